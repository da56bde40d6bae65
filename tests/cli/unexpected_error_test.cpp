// An exception escaping a command ends privqa with a message and exit code 3
// (cli/commands.h), not with std::terminate's abort.
#include <gtest/gtest.h>

#include <string>

#include "privqa/store/result_store.h"
#include "privqa/store/sqlite.h"
#include "testing.h"

namespace privqa {
namespace {

using testing::run_command;
using testing::TempDir;

// Replaces the run record's JSON, as a hand edit of the store with the
// sqlite3 shell would.
void edit_config_json(const std::filesystem::path& store, const std::string& json) {
  auto db = sqlite::Database::open(store, sqlite::OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok()) << db.error().message();
  auto update = db->prepare("UPDATE run SET config_json = ?");
  ASSERT_TRUE(update.ok()) << update.error().message();
  ASSERT_TRUE(update->bind_text(1, json).run("edit the run record").ok());
  auto changed = db->prepare("SELECT changes()");
  ASSERT_TRUE(changed.ok());
  auto row = changed->step("count the changes");
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(changed->column_int64(0), 1);
}

// A run record as the runner writes it, with `config` as its results identity.
std::string record_json(const std::string& planned_cells, const std::string& config) {
  return R"({"config": )" + config + R"(, "config_file": "x.toml", "planned_cells": )" +
         planned_cells + R"(, "local": "l", "remote": "r"})";
}

TEST(UnexpectedError, AHandEditedStoreIsReportedAsAnErrorWithExitCode3) {
  TempDir dir;
  const auto store_path = dir / "run.db";
  {
    auto store = open_sqlite_store(store_path);
    ASSERT_TRUE(store.ok()) << store.error().message();
    RunRecord run;
    run.fingerprint = "fingerprint";
    run.created_at = "2025-01-01";
    run.planned_cells = 12;
    ASSERT_TRUE((*store)->bind_run(run).ok());
  }
  const auto before = run_command(std::string(PRIVQA_BINARY) + " status " + store_path.string());
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_NE(before.out.find("cells: 0 of 12 stored"), std::string::npos) << before.out;

  // A number of the run record turned into text: the store reads its records
  // strictly, so this is an ordinary error naming the field.
  edit_config_json(store_path, record_json(R"("twelve")", "{}"));
  const auto named = run_command(std::string(PRIVQA_BINARY) + " status " + store_path.string());
  EXPECT_EQ(named.exit_code, 1) << named.out << named.err;
  EXPECT_NE(
      named.err.find(store_path.string() +
                     ": the run record: field 'planned_cells' must be an integer, not string"),
      std::string::npos)
      << named.err;

  // A number of the results identity (which the store keeps as the runner
  // wrote it) turned into text: valid JSON of the wrong type, which the JSON
  // library reports by throwing when the report reads the dataset's path.
  edit_config_json(store_path, record_json("12", R"({"dataset": {"path": 12}})"));
  const auto r = run_command(std::string(PRIVQA_BINARY) + " report " + store_path.string() +
                             " --no-privacy --format md --out " + (dir / "report").string());
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(r.err.rfind("privqa: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("type must be string, but is number"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace privqa
