// An exception escaping a command ends privqa with a message and exit code 3
// (cli/commands.h), not with std::terminate's abort.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "privqa/store/result_store.h"
#include "testing.h"

namespace privqa {
namespace {

using testing::run_command;
using testing::TempDir;

// Replaces the run record's configuration JSON, as a hand edit of the store
// with the sqlite3 shell would.
void edit_config_json(const std::filesystem::path& store, const std::string& json) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* update = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE run SET config_json = ?", -1, &update, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_bind_text(update, 1, json.c_str(), -1, SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(update), SQLITE_DONE) << sqlite3_errmsg(db);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_finalize(update);
  sqlite3_close(db);
}

TEST(UnexpectedError, AHandEditedStoreIsReportedAsAnErrorWithExitCode3) {
  TempDir dir;
  const auto store_path = dir / "run.db";
  {
    auto store = open_sqlite_store(store_path);
    ASSERT_TRUE(store.ok()) << store.error().message();
    ASSERT_TRUE((*store)->bind_run({"fingerprint", R"({"planned_cells": 12})", "2025-01-01"}).ok());
  }
  const auto before = run_command(std::string(PRIVQA_BINARY) + " status " + store_path.string());
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_NE(before.out.find("cells: 0 of 12 stored"), std::string::npos) << before.out;

  // A number turned into text: valid JSON of the wrong type, which the JSON
  // library reports by throwing.
  edit_config_json(store_path, R"({"planned_cells": "twelve"})");
  const auto r = run_command(std::string(PRIVQA_BINARY) + " status " + store_path.string());
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(r.err.rfind("privqa: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("type must be number, but is string"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace privqa
