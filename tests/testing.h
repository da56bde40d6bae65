// Helpers shared by every test suite.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace privqa::testing {

// tests/fixtures in the source tree.
std::filesystem::path fixtures_dir();

// A file of the shared benchmark data (PRIVQA_DATA_DIR, default ../shared/data),
// or nullopt when it is missing; use PRIVQA_REQUIRE_SHARED_DATA to skip.
std::optional<std::filesystem::path> shared_data_file(const std::string& relative);

// The wink embeddings JSON fetched by scripts/setup.sh (PRIVQA_EMBEDDINGS
// overrides the path), or nullopt when the file is missing: setting
// PRIVQA_EMBEDDINGS to a missing path (e.g. /nonexistent) says "no wink".
std::optional<std::filesystem::path> wink_embeddings_file();

// The questions and word vectors an end-to-end test of the engine runs on.
struct EngineData {
  std::string name;                  // "sample" or "medmcqa": names the test variant
  std::filesystem::path questions;   // question file
  std::filesystem::path embeddings;  // word-vector table
  int available = 0;                 // questions in the file
  // A test that wants `wanted` questions uses this many.
  int questions_for(int wanted) const { return wanted < available ? wanted : available; }
};

// Test names show the data's name, not its bytes.
inline void PrintTo(const EngineData& data, std::ostream* os) {
  *os << data.name;
}

// The bundled sample (data/sample, 30 questions) with the small table of
// tests/fixtures/embed (made by make_sample_table.py): always present.
EngineData sample_engine_data();

// MedMCQA dev (PRIVQA_DATA_DIR) with the wink table, or nullopt when either
// is missing.
std::optional<EngineData> shared_engine_data();

// Names a parameterized test by its EngineData (INSTANTIATE_TEST_SUITE_P).
struct EngineDataName {
  std::string operator()(const ::testing::TestParamInfo<EngineData>& info) const {
    return info.param.name;
  }
};

// Instantiates the value-parameterized end-to-end suite `suite` on the sample
// always, and on MedMCQA when the shared data and the wink table exist (CI
// requires them): the sample variants run everywhere, none is skipped.
#define PRIVQA_INSTANTIATE_ENGINE_DATA(suite)                                          \
  INSTANTIATE_TEST_SUITE_P(Sample, suite,                                              \
                           ::testing::Values(::privqa::testing::sample_engine_data()), \
                           ::privqa::testing::EngineDataName());                       \
  INSTANTIATE_TEST_SUITE_P(SharedData, suite, ::testing::ValuesIn([] {                 \
                             std::vector<::privqa::testing::EngineData> out;           \
                             if (auto d = ::privqa::testing::shared_engine_data()) {   \
                               out.push_back(*d);                                      \
                             }                                                         \
                             return out;                                               \
                           }()),                                                       \
                           ::privqa::testing::EngineDataName())

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

// A port the kernel has just handed out on loopback, free when it returns
// (another process may take it before the caller listens on it).
int free_loopback_port();

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
  [[maybe_unused]] const auto& var = *var##_opt  // NOLINT(bugprone-macro-parentheses)

#define PRIVQA_REQUIRE_WINK(var)                                                                 \
  const auto var##_opt = ::privqa::testing::wink_embeddings_file();                              \
  if (!var##_opt) {                                                                              \
    GTEST_SKIP() << "wink embeddings not found (run scripts/setup.sh or set PRIVQA_EMBEDDINGS)"; \
  }                                                                                              \
  [[maybe_unused]] const auto& var = *var##_opt  // NOLINT(bugprone-macro-parentheses)
