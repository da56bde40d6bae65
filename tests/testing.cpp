#include "testing.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

#include "privqa/base/build_info.h"
#include "privqa/base/paths.h"

namespace privqa::testing {

namespace {
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
  const auto path = shared_data_dir() / relative;
  if (!std::filesystem::exists(path)) return std::nullopt;
  return path;
}

std::optional<std::filesystem::path> wink_embeddings_file() {
  const auto path = default_embeddings_path();
  if (!std::filesystem::exists(path)) return std::nullopt;
  return path;
}

namespace {
// Question files hold one question per non-empty line (JSON Lines).
int count_questions(const std::filesystem::path& jsonl) {
  std::ifstream in(jsonl);
  int n = 0;
  for (std::string line; std::getline(in, line);)
    n += !line.empty();
  return n;
}
}  // namespace

EngineData sample_engine_data() {
  const auto questions =
      std::filesystem::path(build_info::kSourceDir) / "data" / "sample" / "medmcqa_sample.jsonl";
  return {"sample", questions, fixtures_dir() / "embed" / "sample_table.txt",
          count_questions(questions)};
}

std::optional<EngineData> shared_engine_data() {
  const auto dev = shared_data_file("medmcqa/dev.json");
  const auto wink = wink_embeddings_file();
  if (!dev || !wink) return std::nullopt;
  return EngineData{"medmcqa", *dev, *wink, count_questions(*dev)};
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

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::filesystem::path& stdout_path,
                           const std::vector<std::string>& env) {
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e)
    env_strings.emplace_back(*e);
  env_strings.insert(env_strings.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_strings)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data()) == 0) pid_ = pid;
  posix_spawn_file_actions_destroy(&actions);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    wait();
  }
}

void ChildProcess::signal(int sig) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

int ChildProcess::wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  reaped_ = true;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A port the kernel has just handed out on loopback, free when it returns.
int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string start_sim_server(std::unique_ptr<ChildProcess>& sim, const std::string& binary,
                             const std::vector<std::string>& args,
                             const std::filesystem::path& stdout_path) {
  std::vector<std::string> argv = {binary, "sim-server"};
  if (std::find(args.begin(), args.end(), "--port") == args.end()) {
    argv.insert(argv.end(), {"--port", "0"});  // any free port
  }
  argv.insert(argv.end(), args.begin(), args.end());
  sim = std::make_unique<ChildProcess>(argv, stdout_path);
  for (int i = 0; i < 600; ++i) {
    const std::string out = slurp(stdout_path);
    const auto at = out.find("listening on ");
    const auto end = out.find('\n', at);
    if (at != std::string::npos && end != std::string::npos) {
      const std::string rest = out.substr(at + 13, end - at - 13);
      return rest.substr(0, rest.find(' '));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

}  // namespace privqa::testing
