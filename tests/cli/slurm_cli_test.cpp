// examples/slurm on a real single-node Slurm cluster started by the test
// (tests/slurm_cluster.h), against `privqa sim-server`: what the job array
// stores exports what one process running the same config exports.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/cli_testing.h"
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

std::string slurm_export(const std::filesystem::path& store) {
  const auto r = run_command(kBinary + " export --no-timing " + store.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// Three shards as a job array, merged by a job that waits for them
// (examples/slurm/submit.sh with a SQLite output).
TEST(SlurmCli, ShardArrayAndMergeJobExportWhatOneRunExports) {
  PRIVQA_REQUIRE_SLURM(cluster);
  testing::TempDir dir;
  const testing::EngineData data = testing::sample_engine_data();
  std::unique_ptr<testing::ChildProcess> sim;
  const std::string url = testing::start_sim_server(
      sim, kBinary,
      {"--dataset", data.questions.string(), "--seed", "3", "--time-scale", "0", "--profiles",
       (testing::fixtures_dir() / "sim" / "unlimited.toml").string()},
      dir / "sim.out");
  ASSERT_FALSE(url.empty()) << slurp(dir / "sim.out");
  const auto config = dir / "run.toml";
  testing::write_text(config, slurm_run_config(data.questions, dir / "whole.db"));
  auto r = run_command("PRIVQA_SIM_URL=" + url + " " + kBinary + " run --quiet " + config.string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string expected = slurm_export(dir / "whole.db");
  ASSERT_FALSE(expected.empty());

  const auto merged = dir / "merged.db";
  r = run_command("cd " + dir.path().string() + " && PRIVQA_SIM_URL=" + url +
                  " PRIVQA_BIN=" + kBinary + " " + build_info::kSourceDir +
                  "/examples/slurm/submit.sh " + config.string() + " 3 " + merged.string() +
                  " --cpus-per-task=1 --output=" + (dir / "task-%a.out").string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::istringstream ids(r.out);
  std::string array, merge;
  ASSERT_TRUE(ids >> array >> merge) << r.out;
  const std::string task_logs = [&] {
    std::string logs;
    for (int i = 0; i < 3; ++i)
      logs += slurp(dir / ("task-" + std::to_string(i) + ".out"));
    return logs;
  }();
  EXPECT_EQ(cluster->wait_for(array, 120), "COMPLETED COMPLETED COMPLETED")
      << task_logs << cluster->logs();
  EXPECT_EQ(cluster->wait_for(merge, 60), "COMPLETED")
      << slurp(dir / ("slurm-" + merge + ".out")) << cluster->logs();
  for (int i = 0; i < 3; ++i) {
    const auto shard = dir / "merged.db.shards" / ("shard-" + std::to_string(i) + ".db");
    r = run_command(kBinary + " status " + shard.string());
    EXPECT_NE(r.out.find(", shard " + std::to_string(i) + "/3)"), std::string::npos) << r.out;
  }
  EXPECT_EQ(slurm_export(merged), expected);
}

}  // namespace
}  // namespace privqa
