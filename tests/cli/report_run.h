// The simulated run the report and explorer tests share, one per
// EngineData: ctest runs each test in a process of its own, so the run is
// kept in the build folder, keyed by the binaries' modification times; the
// first test makes it while holding a lock, the others wait for it and then
// only read it. S1, S2, S4 and S3 with santext+ and inferdpt at eps 1, 2, 3.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cli/cli_testing.h"
#include "testing.h"

namespace privqa::cli_testing {

using privqa::testing::ChildProcess;
using privqa::testing::run_command;
using privqa::testing::write_text;

inline void make_report_run(const testing::EngineData& data, int questions,
                            const std::filesystem::path& dir) {
  const auto dev = data.questions;
  std::unique_ptr<ChildProcess> sim;
  const std::string url = testing::start_sim_server(
      sim, kBinary,
      {"--dataset", dev.string(), "--seed", "5", "--time-scale", "0", "--profiles",
       (testing::fixtures_dir() / "sim" / "unlimited.toml").string()},
      dir / "sim.out");
  ASSERT_FALSE(url.empty()) << slurp(dir / "sim.out");
  std::string config = "[dataset]\npath = \"" + dev.string() +
                       "\"\nfirst = " + std::to_string(questions) +
                       "\n\n[experiment]\noutput = \"" + (dir / "run.db").string() +
                       "\"\nembeddings = \"" + data.embeddings.string() +
                       "\"\nseed = 11\nscenarios = [\"S1\", \"S2\", \"S3\", \"S4\"]\n"
                       "mechanisms = [\"santext+\", \"inferdpt\"]\nepsilons = [1.0, 2.0, 3.0]\n"
                       "local = \"local\"\nremote = \"remote\"\n";
  for (const char* name : {"local", "remote"}) {
    config += std::string("\n[providers.") + name +
              "]\nbase_url = \"${PRIVQA_SIM_URL}\"\nmodel = \"sim-" + name +
              "\"\nmax_in_flight = 256\ntimeout = 30\n";
  }
  write_text(dir / "run.toml", config);
  const auto r = run_command("PRIVQA_SIM_URL=" + url + " " + kBinary + " run --quiet " +
                             (dir / "run.toml").string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

// Sets `store` to the run's store, or leaves it empty when making it failed.
inline void shared_report_run(const testing::EngineData& data, int questions,
                              std::filesystem::path& store) {
  const std::filesystem::path root =
      std::filesystem::path(kBinary).parent_path() / "test-runs" / "report";
  // A new privqa, or new test code (which writes the run's config), makes a new run.
  const auto stamp = std::filesystem::last_write_time(kBinary).time_since_epoch().count() ^
                     std::filesystem::last_write_time("/proc/self/exe").time_since_epoch().count();
  const std::filesystem::path dir =
      root / (data.name + "-" + std::to_string(questions) + "-" + std::to_string(stamp));
  std::filesystem::create_directories(root);
  const int lock = ::open((root / (data.name + ".lock")).c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(lock, 0) << "cannot open the lock file in " << root;
  ASSERT_EQ(::flock(lock, LOCK_EX), 0);
  if (!std::filesystem::exists(dir / "done")) {
    // Runs of an earlier binary, or one that failed half-way, go first.
    for (const auto& old : std::filesystem::directory_iterator(root)) {
      if (old.is_directory() && old.path().filename().string().rfind(data.name + "-", 0) == 0)
        std::filesystem::remove_all(old.path());
    }
    std::filesystem::create_directories(dir);
    make_report_run(data, questions, dir);
    if (!::testing::Test::HasFatalFailure()) write_text(dir / "done", "");
  }
  ::close(lock);  // releases the lock
  if (std::filesystem::exists(dir / "done")) store = dir / "run.db";
}

}  // namespace privqa::cli_testing
