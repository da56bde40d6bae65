// Merging shard stores: what is kept, what is refused, and that a refused
// merge leaves no output behind.
#include "privqa/store/merge_stores.h"

#include <gtest/gtest.h>

#include "privqa/store/result_store.h"
#include "privqa/store/shard.h"
#include "testing.h"

namespace privqa {
namespace {

CellResult merge_cell(const std::string& id, CellStatus status, const std::string& answer) {
  CellResult c;
  c.key = {id, Scenario::kRemote, "", 0, 0};
  c.status = status;
  c.raw_answer = answer;
  c.parsed = status == CellStatus::kOk ? 1 : -1;
  c.error = status == CellStatus::kOk ? "" : "answer (remote): HTTP 500";
  c.details = "{}";
  return c;
}

class MergeStoresTest : public ::testing::Test {
 protected:
  // A store at dir/NAME.db of run `fingerprint`, shard `shard` ("" = whole
  // run), planning `planned` cells, question file hash `dataset`, one
  // session of `wall` seconds, holding `cells`.
  std::string make(const std::string& name, const std::string& fingerprint,
                   const std::string& shard, int64_t planned, const std::string& dataset,
                   double wall, const std::vector<CellResult>& cells) {
    const std::string path = (dir_ / (name + ".db")).string();
    auto store = open_sqlite_store(path);
    EXPECT_TRUE(store.ok());
    RunRecord run;
    run.fingerprint = fingerprint;
    run.planned_cells = planned;
    EXPECT_TRUE((*store)->bind_run(run).ok());
    EXPECT_TRUE((*store)->set_meta(ResultStore::kDatasetHashKey, dataset).ok());
    if (!shard.empty()) {
      EXPECT_TRUE((*store)->set_meta(kShardMetaKey, shard).ok());
    }
    SessionRecord session;
    session.wall_seconds = wall;
    EXPECT_TRUE((*store)->append_session(session).ok());
    for (const CellResult& c : cells)
      EXPECT_TRUE((*store)->put(c).ok());
    return path;
  }

  std::string out() const { return (dir_ / "merged.db").string(); }

  // The merge's error message; empty when it succeeded.
  std::string refusal(const std::vector<std::string>& inputs) {
    auto merged = merge_stores(out(), inputs);
    EXPECT_FALSE(std::filesystem::exists(out())) << "a refused merge writes nothing";
    return merged.ok() ? "" : merged.error().message();
  }

  testing::TempDir dir_;
};

TEST_F(MergeStoresTest, JoinsCellsSessionsAndMetaOfTheShards) {
  const auto a =
      make("a", "f1", "0/3", 5, "h", 1.5,
           {merge_cell("q1", CellStatus::kOk, "A"), merge_cell("q2", CellStatus::kError, ""),
            merge_cell("q3", CellStatus::kError, "")});
  const auto b =
      make("b", "f1", "2/3", 7, "h", 2.5,
           {merge_cell("q2", CellStatus::kOk, "B"), merge_cell("q4", CellStatus::kOk, "D"),
            merge_cell("q3", CellStatus::kError, "")});
  auto merged = merge_stores(out(), {a, b});
  ASSERT_TRUE(merged.ok()) << merged.error().message();
  EXPECT_EQ(merged->cells, 4u);
  EXPECT_EQ(merged->duplicates, 2u);
  EXPECT_EQ(merged->missing_shards, std::vector<std::string>{"1/3"});

  auto store = open_sqlite_store(out(), /*read_only=*/true);
  ASSERT_TRUE(store.ok());
  auto cells = (*store)->cells();
  ASSERT_TRUE(cells.ok());
  ASSERT_EQ(cells->size(), 4u);
  EXPECT_EQ((*cells)[1].key.question_id, "q2");
  EXPECT_EQ((*cells)[1].status, CellStatus::kOk) << "an ok cell wins over an error";
  EXPECT_EQ((*cells)[1].raw_answer, "B");
  EXPECT_EQ((*cells)[2].status, CellStatus::kError) << "an error in both stays an error";
  auto run = (*store)->run();
  ASSERT_TRUE(run.ok() && *run);
  EXPECT_EQ((*run)->fingerprint, "f1");
  EXPECT_EQ((*run)->planned_cells, 12) << "the shards' planned cells add up";
  auto meta = (*store)->meta();
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->count(kShardMetaKey), 0u) << "the merged store holds the whole run";
  EXPECT_EQ(meta->at(ResultStore::kDatasetHashKey), "h");
  auto sessions = (*store)->sessions();
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 2u);
  EXPECT_EQ((*sessions)[0].wall_seconds, 1.5);
  EXPECT_EQ((*sessions)[1].wall_seconds, 2.5);

  auto again = merge_stores(out(), {a, b});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message(), out() + ": exists already; the merge writes a new store");
}

TEST_F(MergeStoresTest, RefusesInputsOfAnotherRunNamingThem) {
  const auto a = make("a", "f1", "0/2", 1, "h", 1, {merge_cell("q1", CellStatus::kOk, "A")});
  const auto config = make("config", "f2", "1/2", 1, "h", 1, {});
  EXPECT_EQ(refusal({a, config}).rfind(config + ": the run of another config (fingerprint f2", 0),
            0u)
      << refusal({a, config});
  const auto data = make("data", "f1", "1/2", 1, "other", 1, {});
  EXPECT_EQ(
      refusal({a, data}).rfind(data + ": ran on another question file (content hash other", 0), 0u)
      << refusal({a, data});
  const auto split = make("split", "f1", "1/3", 1, "h", 1, {});
  EXPECT_EQ(refusal({a, split}), split + ": holds shard 1/3, of a split into 3, not 2");
  const auto differs =
      make("differs", "f1", "1/2", 1, "h", 1, {merge_cell("q1", CellStatus::kOk, "C")});
  EXPECT_EQ(
      refusal({a, differs}).rfind(differs + ": cell q1|S4||0|0 is stored with another result", 0),
      0u)
      << refusal({a, differs});
  EXPECT_EQ(refusal({a, (dir_ / "missing.db").string()}).find((dir_ / "missing.db").string()), 0u);
}

}  // namespace
}  // namespace privqa
