// `privqa status` on stores written through the store interface: progress,
// provider totals over sessions (hedges and cache errors included), and
// records that cannot be read.
#include <gtest/gtest.h>

#include "privqa/store/result_store.h"
#include "privqa/store/sqlite.h"
#include "store/store_testing.h"
#include "testing.h"

namespace privqa {
namespace {

using testing::run_command;
using testing::TempDir;

std::string status_command(const std::filesystem::path& store) {
  return std::string(PRIVQA_BINARY) + " status " + store.string();
}

CellResult cell(const std::string& id, CellStatus status) {
  CellResult c;
  c.key = {id, Scenario::kLocal, "", 0, 0};
  c.status = status;
  c.gold = 1;
  c.parsed = status == CellStatus::kOk ? 1 : -1;
  return c;
}

// A run of 4 planned cells with 3 stored (one an error) and two sessions.
void write_store(const std::filesystem::path& path) {
  auto store = open_sqlite_store(path);
  ASSERT_TRUE(store.ok()) << store.error().message();
  RunRecord run;
  run.fingerprint = "abc";
  run.config_file = "examples/x.toml";
  run.planned_cells = 4;
  run.local_provider = "loc";
  run.remote_provider = "rem";
  ASSERT_TRUE((*store)->bind_run(run).ok());
  for (const auto& c :
       {cell("q1", CellStatus::kOk), cell("q2", CellStatus::kOk), cell("q3", CellStatus::kError)}) {
    ASSERT_TRUE((*store)->put(c).ok());
  }
  SessionRecord first;
  first.wall_seconds = 2;
  first.interrupted = true;
  first.providers["loc"] = {
      .model = "small", .role = ProviderRole::kLocal, .calls = 3, .requests = 3, .hedges = 1};
  first.providers["rem"] = {.model = "big",
                            .role = ProviderRole::kRemote,
                            .calls = 5,
                            .requests = 9,
                            .retries = 1,
                            .hedges = 5,
                            .cache_errors = 2};
  SessionRecord second;  // killed: its record never got its end
  second.wall_seconds = 1.5;
  second.ended = false;
  second.providers["rem"] = {.model = "big",
                             .role = ProviderRole::kRemote,
                             .calls = 1,
                             .requests = 7,
                             .hedges = 6,
                             .estimated_usage = 2,
                             .cost = 0.25};
  ASSERT_TRUE((*store)->append_session(first).ok());
  ASSERT_TRUE((*store)->append_session(second).ok());
}

TEST(StatusCli, ShowsProgressSessionsAndProviderTotals) {
  TempDir dir;
  write_store(dir / "run.db");
  const auto r = run_command(status_command(dir / "run.db"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("config examples/x.toml"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cells: 3 of 4 stored (75.0%), 1 of them errors"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("sessions: 2 (1 interrupted, 1 not ended: killed, or still running), 3.5 s"),
            std::string::npos)
      << r.out;
  // rem over both sessions: 6 calls, 16 requests, 1 retry, 5 + 6 hedges, 2 cache errors.
  EXPECT_NE(r.out.find("rem          remote 6 calls (0 from cache), 16 requests, 1 retries, "
                       "11 hedges, 0 rate-limited, 0 failures, 2 cache errors, 0 + 0 tokens (2 "
                       "calls estimated: no usage in their replies), $0.2500"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("loc          local  3 calls (0 from cache), 3 requests, 0 retries, "
                       "1 hedges,"),
            std::string::npos)
      << r.out;
}

using store_testing::write_raw_sessions;

TEST(StatusCli, ACorruptSessionRecordIsAnErrorNamingIt) {
  TempDir dir;
  const auto path = dir / "run.db";
  write_store(path);
  write_raw_sessions(path, R"([{"wall_seconds": 1, "cells_ok": 0, "cells_error": 0,
      "cells_not_run": 0, "interrupted": false, "providers": {"rem": {"model": "big"}}}])");
  const auto missing = run_command(status_command(path));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(
      missing.err.find(path.string() + ": session 1, provider 'rem': field 'role' is missing"),
      std::string::npos)
      << missing.err;

  write_raw_sessions(path, "{not json");
  const auto garbled = run_command(status_command(path));
  EXPECT_EQ(garbled.exit_code, 1);
  EXPECT_NE(garbled.err.find("not a JSON array"), std::string::npos) << garbled.err;
}

TEST(StatusCli, AMissingStoreIsNamed) {
  TempDir dir;
  const auto r = run_command(status_command(dir / "none.db"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find((dir / "none.db").string()), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "none.db"));
}

}  // namespace
}  // namespace privqa
