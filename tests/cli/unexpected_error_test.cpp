// An exception escaping a command ends privqa with a message and exit code 3
// (cli/commands.h), not with std::terminate's abort.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "testing.h"

namespace privqa {
namespace {

using testing::ChildProcess;
using testing::run_command;
using testing::TempDir;
using testing::write_text;

const std::string kBinary = PRIVQA_BINARY;

// Runs `sql` on `db` with one text parameter; returns the first column of
// the first row (or "").
std::string query(sqlite3* db, const char* sql, const std::string& parameter = "") {
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  if (!parameter.empty()) sqlite3_bind_text(s, 1, parameter.c_str(), -1, SQLITE_TRANSIENT);
  std::string out;
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  EXPECT_TRUE(rc == SQLITE_ROW || rc == SQLITE_DONE) << sqlite3_errmsg(db);
  sqlite3_finalize(s);
  return out;
}

TEST(UnexpectedError, AHandEditedStoreIsReportedAsAnErrorWithExitCode3) {
  // A small finished run on the sample.
  TempDir dir;
  const auto sample = std::filesystem::path(testing::sample_engine_data().questions).string();
  std::unique_ptr<ChildProcess> sim;
  const std::string url =
      testing::start_sim_server(sim, kBinary,
                                {"--dataset", sample, "--time-scale", "0", "--profiles",
                                 (testing::fixtures_dir() / "sim" / "unlimited.toml").string()},
                                dir / "sim.out");
  ASSERT_FALSE(url.empty());
  const auto store = dir / "run.db";
  write_text(dir / "run.toml", "[dataset]\npath = \"" + sample +
                                   "\"\nfirst = 3\n\n[experiment]\noutput = \"" + store.string() +
                                   "\"\nscenarios = [\"S1\"]\nlocal = \"local\"\n\n"
                                   "[providers.local]\nbase_url = \"" +
                                   url + "\"\nmodel = \"sim-local\"\n");
  const auto run = run_command(kBinary + " run --quiet " + (dir / "run.toml").string());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const std::string report = kBinary + " report " + store.string() +
                             " --no-privacy --format md --out " + (dir / "report").string();
  const auto before = run_command(report);
  ASSERT_EQ(before.exit_code, 0) << before.err;

  // The recorded seed turned into text by hand: valid JSON of the wrong type,
  // which the JSON library reports by throwing when the report reads it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store.c_str(), &db), SQLITE_OK);
  auto record = nlohmann::json::parse(query(db, "SELECT config_json FROM run"));
  ASSERT_TRUE(record["config"]["seed"].is_number()) << record.dump();
  record["config"]["seed"] = "seven";
  query(db, "UPDATE run SET config_json = ?", record.dump());
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_close(db);

  const auto r = run_command(report);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(r.err.rfind("privqa: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("type must be number, but is string"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace privqa
