#include "privqa/store/result_store.h"

#include <gtest/gtest.h>

#include "testing.h"

namespace privqa {
namespace {

CellResult cell(const std::string& id, Scenario s, CellStatus status) {
  CellResult c;
  c.key = {id, s, s == Scenario::kPrivateCot ? "santext+" : "",
           s == Scenario::kPrivateCot ? 2.0 : 0, 0};
  c.status = status;
  c.sanitized = "sanitized \xE2\x80\x93 text";
  c.cot = "because";
  c.raw_answer = "Answer: B";
  c.parsed = status == CellStatus::kOk ? 1 : -1;
  c.gold = 1;
  c.attempts = 3;
  c.remote_tokens_in = 42;
  c.error = status == CellStatus::kOk ? "" : "cot (remote): HTTP 500";
  c.details = "{}";
  return c;
}

TEST(ResultStore, RoundTripAndFinishedKeys) {
  testing::TempDir dir;
  auto store = open_sqlite_store(dir / "run.db");
  ASSERT_TRUE(store.ok()) << store.error().message();
  ASSERT_TRUE((*store)->bind_run({"abc", "{}", ""}).ok());
  ASSERT_TRUE((*store)->put(cell("q1", Scenario::kLocal, CellStatus::kOk)).ok());
  ASSERT_TRUE((*store)->put(cell("q1", Scenario::kPrivateCot, CellStatus::kError)).ok());
  auto finished = (*store)->finished_keys();
  ASSERT_TRUE(finished.ok());
  EXPECT_EQ(*finished, (std::unordered_set<std::string>{"q1|S1||0|0"}))
      << "errors are retried by a later run";

  // A replacement overwrites; a reopened store sees everything.
  ASSERT_TRUE((*store)->put(cell("q1", Scenario::kPrivateCot, CellStatus::kOk)).ok());
  store->reset();
  auto reopened = open_sqlite_store(dir / "run.db", true);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message();
  auto cells = (*reopened)->cells();
  ASSERT_TRUE(cells.ok());
  ASSERT_EQ(cells->size(), 2u);
  const CellResult& s3 = (*cells)[1];
  EXPECT_EQ(s3.key.str(), "q1|S3|santext+|2|0");
  EXPECT_EQ(s3.status, CellStatus::kOk);
  EXPECT_EQ(s3.sanitized, "sanitized \xE2\x80\x93 text");
  EXPECT_EQ(s3.remote_tokens_in, 42);
  EXPECT_TRUE(s3.correct());
}

TEST(ResultStore, RefusesAnotherConfiguration) {
  testing::TempDir dir;
  {
    auto store = open_sqlite_store(dir / "run.db");
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->bind_run({"abc", "{}", ""}).ok());
  }
  auto store = open_sqlite_store(dir / "run.db");
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->bind_run({"abc", "{}", ""}).ok()) << "the same run resumes";
  auto other = (*store)->bind_run({"xyz", "{}", ""});
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message().find("different configuration"), std::string::npos);
}

TEST(ResultStore, ClearErrorsForMissingOrForeignFiles) {
  testing::TempDir dir;
  auto missing = open_sqlite_store(dir / "nope.db", true);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("nope.db"), std::string::npos);
  testing::write_text(dir / "text.db", "this is not a database, just text that is long enough");
  auto foreign = open_sqlite_store(dir / "text.db");
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.error().message().find("text.db"), std::string::npos);
}

}  // namespace
}  // namespace privqa
