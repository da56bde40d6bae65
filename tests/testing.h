// Helpers shared by every test suite.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace privqa::testing {

// tests/fixtures in the source tree.
std::filesystem::path fixtures_dir();

// A file of the shared benchmark data (PRIVQA_DATA_DIR, default ../shared/data),
// or nullopt when it is missing; use PRIVQA_REQUIRE_SHARED_DATA to skip.
std::optional<std::filesystem::path> shared_data_file(const std::string& relative);

// The wink embeddings JSON fetched by scripts/setup.sh, or nullopt.
std::optional<std::filesystem::path> wink_embeddings_file();

// A fresh empty directory under the system temp dir, removed at exit of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Writes `contents` to `path` (test setup; aborts the test on failure).
void write_text(const std::filesystem::path& path, const std::string& contents);

// Result of running a command through the shell.
struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
CommandResult run_command(const std::string& command_line);

// A program started in the background with stdout and stderr sent to files.
class ChildProcess {
 public:
  // argv[0] is the program path. Extra environment entries are "NAME=value".
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& stdout_path,
               const std::vector<std::string>& env = {});
  ~ChildProcess();  // kills (SIGKILL) and reaps the child if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int pid() const { return pid_; }
  void signal(int sig);
  // Waits for the child to end; returns its exit code, or 128 + signal.
  int wait();

 private:
  int pid_ = -1;
  bool reaped_ = false;
};

// Starts `privqa sim-server` (binary path given) on a free loopback port,
// unless `args` name a --port, and returns its base URL once it listens; the
// process runs until `sim` dies.
std::string start_sim_server(std::unique_ptr<ChildProcess>& sim, const std::string& binary,
                             const std::vector<std::string>& args,
                             const std::filesystem::path& stdout_path);

}  // namespace privqa::testing

// Skips the test, saying why, when a shared data file is absent. CI checks
// that the folder exists, so there these tests always run.
#define PRIVQA_REQUIRE_SHARED_DATA(var, relative)                                \
  const auto var##_opt = ::privqa::testing::shared_data_file(relative);          \
  if (!var##_opt) {                                                              \
    GTEST_SKIP() << "shared data file " << (relative)                            \
                 << " not found (set PRIVQA_DATA_DIR to the folder holding it)"; \
  }                                                                              \
  const std::filesystem::path var = *var##_opt

#define PRIVQA_REQUIRE_WINK(var)                                                                 \
  const auto var##_opt = ::privqa::testing::wink_embeddings_file();                              \
  if (!var##_opt) {                                                                              \
    GTEST_SKIP() << "wink embeddings not found (run scripts/setup.sh or set PRIVQA_EMBEDDINGS)"; \
  }                                                                                              \
  const std::filesystem::path var = *var##_opt
