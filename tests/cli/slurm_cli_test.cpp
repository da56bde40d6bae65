// examples/slurm on a real single-node Slurm cluster started by the test
// (tests/slurm_cluster.h), against `privqa sim-server`: what the job array
// stores exports what one process running the same config exports.
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "cli/cli_testing.h"
#include "postgres_server.h"
#include "privqa/base/build_info.h"
#include "slurm_cluster.h"
#include "testing.h"

namespace privqa {
namespace {

using cli_testing::kBinary;
using cli_testing::slurp;
using testing::run_command;

// A run of S1, S2 and S4 (no mechanisms: no word vectors needed) on `data`.
std::string slurm_run_config(const std::filesystem::path& data, const std::filesystem::path& out) {
  std::string t = "[dataset]\npath = \"" + data.string() + "\"\n\n[experiment]\noutput = \"" +
                  out.string() +
                  "\"\nseed = 5\nscenarios = [\"S1\", \"S2\", \"S4\"]\nlocal = \"local\"\n"
                  "remote = \"remote\"\n";
  for (const char* name : {"local", "remote"}) {
    t += std::string("\n[providers.") + name +
         "]\nbase_url = \"${PRIVQA_SIM_URL}\"\nmodel = \"sim-" + name + "\"\ntimeout = 30\n";
  }
  return t;
}

std::string slurm_export(const std::string& store) {
  const auto r = run_command(kBinary + " export --no-timing '" + store + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// A simulator, a config on the bundled sample and what one process running
// it exports; then what a job array of examples/slurm/submit.sh stores.
class SlurmCli : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::start_sim_server(
        sim_, kBinary,
        {"--dataset", data_.questions.string(), "--seed", "3", "--time-scale", "0", "--profiles",
         (testing::fixtures_dir() / "sim" / "unlimited.toml").string()},
        dir_ / "sim.out");
    ASSERT_FALSE(url_.empty()) << slurp(dir_ / "sim.out");
    testing::write_text(config_, slurm_run_config(data_.questions, dir_ / "whole.db"));
    const auto r =
        run_command("PRIVQA_SIM_URL=" + url_ + " " + kBinary + " run --quiet " + config_.string());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    expected_ = slurm_export(dir_ / "whole.db");
    ASSERT_FALSE(expected_.empty());
  }

  // Submits the example with `tasks` tasks into `output`; returns the job
  // ids it prints (the array's, then the merge's for a SQLite output).
  std::vector<std::string> submit(int tasks, const std::string& output) {
    const auto r = run_command("cd " + dir_.path().string() + " && PRIVQA_SIM_URL=" + url_ +
                               " PRIVQA_BIN=" + kBinary + " " + build_info::kSourceDir +
                               "/examples/slurm/submit.sh " + config_.string() + " " +
                               std::to_string(tasks) + " '" + output +
                               "' --cpus-per-task=1 --output=" + (dir_ / "task-%a.out").string());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::vector<std::string> ids;
    std::istringstream in(r.out);
    for (std::string id; in >> id;)
      ids.push_back(id);
    return ids;
  }

  // The logs of the array's tasks, for failure messages.
  std::string task_logs(int tasks) const {
    std::string logs;
    for (int i = 0; i < tasks; ++i)
      logs += slurp(dir_ / ("task-" + std::to_string(i) + ".out"));
    return logs;
  }

  testing::TempDir dir_;
  const testing::EngineData data_ = testing::sample_engine_data();
  std::unique_ptr<testing::ChildProcess> sim_;
  std::string url_;
  const std::filesystem::path config_ = dir_ / "run.toml";
  std::string expected_;
};

// Three shards as a job array, merged by a job that waits for them.
TEST_F(SlurmCli, ShardArrayAndMergeJobExportWhatOneRunExports) {
  PRIVQA_REQUIRE_SLURM(cluster);
  const auto merged = dir_ / "merged.db";
  const std::vector<std::string> ids = submit(3, merged.string());
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(cluster->wait_for(ids[0], 120), "COMPLETED COMPLETED COMPLETED")
      << task_logs(3) << cluster->logs();
  EXPECT_EQ(cluster->wait_for(ids[1], 60), "COMPLETED")
      << slurp(dir_ / ("slurm-" + ids[1] + ".out")) << cluster->logs();
  for (int i = 0; i < 3; ++i) {
    const auto shard = dir_ / "merged.db.shards" / ("shard-" + std::to_string(i) + ".db");
    const auto r = run_command(kBinary + " status " + shard.string());
    EXPECT_NE(r.out.find(", shard " + std::to_string(i) + "/3)"), std::string::npos) << r.out;
  }
  EXPECT_EQ(slurm_export(merged), expected_);
}

// Three workers as a job array on one PostgreSQL store.
TEST_F(SlurmCli, WorkerArrayOnPostgresExportsWhatOneRunExports) {
  PRIVQA_REQUIRE_POSTGRES(server);
  PRIVQA_REQUIRE_SLURM(cluster);
  const std::string database = server->new_database() + "?schema=slurm";
  const std::vector<std::string> ids = submit(3, database);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(cluster->wait_for(ids[0], 120), "COMPLETED COMPLETED COMPLETED")
      << task_logs(3) << cluster->logs();
  EXPECT_EQ(slurm_export(database), expected_);
}

}  // namespace
}  // namespace privqa
