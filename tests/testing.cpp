#include "testing.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "privqa/base/build_info.h"

namespace privqa::testing {

namespace {
std::filesystem::path from_env_or(const char* variable, const char* fallback) {
  const char* value = std::getenv(variable);
  if (value != nullptr && *value != '\0') return value;
  return fallback;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

std::filesystem::path fixtures_dir() {
  return std::filesystem::path(build_info::kSourceDir) / "tests" / "fixtures";
}

std::optional<std::filesystem::path> shared_data_file(const std::string& relative) {
  const auto path = from_env_or("PRIVQA_DATA_DIR", build_info::kDefaultDataDir) / relative;
  if (!std::filesystem::exists(path)) return std::nullopt;
  return path;
}

std::optional<std::filesystem::path> wink_embeddings_file() {
  const auto path = from_env_or("PRIVQA_EMBEDDINGS", build_info::kDefaultEmbeddings);
  if (!std::filesystem::exists(path)) return std::nullopt;
  return path;
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("privqa-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_text(const std::filesystem::path& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

CommandResult run_command(const std::string& command_line) {
  TempDir dir;
  const auto out_path = dir / "stdout";
  const auto err_path = dir / "stderr";
  const std::string full =
      command_line + " >" + out_path.string() + " 2>" + err_path.string() + " </dev/null";
  const int status = std::system(full.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  return result;
}

}  // namespace privqa::testing
