#include "postgres_server.h"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "testing.h"

namespace privqa::testing {

namespace {

// The prefix of a command that runs a program as the server's user: the
// server refuses to run as root.
std::string as_server_user() {
  return ::geteuid() == 0 ? "runuser -u postgres -- " : "";
}

}  // namespace

PostgresServer* PostgresServer::shared(std::string& why_not) {
  static std::string reason;
  static const std::unique_ptr<PostgresServer> server = [] {
    std::unique_ptr<PostgresServer> s(new PostgresServer());
    const char* state = std::getenv("PRIVQA_TEST_POSTGRES");
    reason = state != nullptr ? s->adopt(state) : s->start(/*watched=*/true);
    return s;
  }();
  if (!server->running_) {
    why_not = reason;
    return nullptr;
  }
  return server.get();
}

std::string PostgresServer::bin(const std::string& program) const {
  return bin_dir_ + "/" + program;
}

// The state file: "PORT DIR", or "unavailable: REASON".
std::string PostgresServer::adopt(const std::string& state_file) {
  std::ifstream in(state_file);
  std::string first;
  if (!(in >> first)) return "no server state in " + state_file + " (PRIVQA_TEST_POSTGRES)";
  if (first == "unavailable:") {
    std::string reason;
    std::getline(in >> std::ws, reason);
    return reason;
  }
  port_ = std::atoi(first.c_str());
  in >> dir_;
  const char* env_bin = std::getenv("PRIVQA_PG_BIN");
  bin_dir_ = env_bin != nullptr ? env_bin : "/usr/lib/postgresql/15/bin";
  running_ = port_ > 0;
  return running_ ? "" : "a bad server state in " + state_file;
}

void PostgresServer::start_for_others(const std::string& state_file) {
  PostgresServer server;
  const std::string why_not = server.start(/*watched=*/false);
  std::ofstream out(state_file);
  if (why_not.empty()) {
    server.owned_ = false;  // it outlives this process: stop_for_others stops it
    out << server.port_ << " " << server.dir_ << "\n";
  } else {
    out << "unavailable: " << why_not << "\n";
  }
}

void PostgresServer::stop_for_others(const std::string& state_file) {
  PostgresServer server;
  if (server.adopt(state_file).empty()) {
    server.owned_ = true;
    server.stop();
  }
  std::filesystem::remove(state_file);
}

std::unique_ptr<PostgresServer> PostgresServer::start_private(std::string& why_not,
                                                              const std::string& password) {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  why_not = server->start(/*watched=*/true, password);
  if (!why_not.empty()) return nullptr;
  return server;
}

std::string PostgresServer::start(bool watched, const std::string& password) {
  const char* env_bin = std::getenv("PRIVQA_PG_BIN");
  bin_dir_ = env_bin != nullptr ? env_bin : "/usr/lib/postgresql/15/bin";
  for (const char* program : {"initdb", "pg_ctl", "createdb"}) {
    if (!std::filesystem::exists(bin(program))) {
      return fmt::format("{} not found (install Debian's postgresql-15, or set PRIVQA_PG_BIN)",
                         bin(program));
    }
  }
  std::string dir =
      (std::filesystem::temp_directory_path() / fmt::format("privqa-pg-{}-XXXXXX", ::getpid()))
          .string();
  if (::mkdtemp(dir.data()) == nullptr) return "cannot create a folder for the server";
  // The superuser's password, for initdb to read (as the server's user).
  std::string auth = "-A trust";
  if (!password.empty()) {
    std::ofstream(dir + "/pwfile") << password << "\n";
    auth = fmt::format("--auth-local=trust --auth-host=scram-sha-256 --pwfile={}/pwfile", dir);
  }
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) return "running as root and there is no postgres user to run the server";
    for (const std::string& path : {dir, dir + "/pwfile"}) {
      if (std::filesystem::exists(path) && ::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        return "cannot give the folder away";
      }
    }
  }
  const std::string data = dir + "/data";
  const CommandResult init = run_command(fmt::format("{}{} -D {} {} -U postgres -E UTF8 --no-sync",
                                                     as_server_user(), bin("initdb"), data, auth));
  std::filesystem::remove(dir + "/pwfile");
  if (init.exit_code != 0) {
    std::filesystem::remove_all(dir);
    return "initdb failed: " + init.err;
  }
  dir_ = dir;
  password_ = password;
  // A port can be taken between asking and listening: a few tries.
  std::string failure;
  for (int attempt = 0; attempt < 5 && !running_; ++attempt) {
    port_ = free_loopback_port();
    failure = launch();
  }
  if (!running_) {
    std::filesystem::remove_all(dir);
    return "the server did not start: " + failure;
  }
  owned_ = true;
  if (!watched) return "";
  // Should this process end without running the destructor, the watchdog
  // stops the server and removes its folder.
  (void)std::system(
      fmt::format("(while kill -0 {} 2>/dev/null; do sleep 1; done; {}{} -D {} -m immediate stop; "
                  "rm -rf {}) >/dev/null 2>&1 </dev/null &",
                  ::getpid(), as_server_user(), bin("pg_ctl"), data, dir)
          .c_str());
  return "";
}

std::string PostgresServer::launch() {
  const CommandResult started =
      run_command(fmt::format("{}{} -D {}/data -l {}/log -w -t 60 -o \"-p {} -k {} -c "
                              "listen_addresses=127.0.0.1 -c fsync=off\" start",
                              as_server_user(), bin("pg_ctl"), dir_, dir_, port_, dir_));
  running_ = started.exit_code == 0;
  return started.out + started.err;
}

bool PostgresServer::stop_for_now() {
  const CommandResult stopped = run_command(
      fmt::format("{}{} -D {}/data -m fast -w stop", as_server_user(), bin("pg_ctl"), dir_));
  running_ = stopped.exit_code != 0;
  return !running_;
}

bool PostgresServer::start_again() {
  // The port may still be in TIME_WAIT for a moment.
  for (int attempt = 0; attempt < 10 && !running_; ++attempt) {
    if (!launch().empty() && !running_) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return running_;
}

PostgresServer::~PostgresServer() {
  stop();
}

void PostgresServer::stop() {
  if (!owned_) return;
  owned_ = false;
  if (running_) {
    (void)run_command(
        fmt::format("{}{} -D {}/data -m fast -w stop", as_server_user(), bin("pg_ctl"), dir_));
  }
  running_ = false;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string PostgresServer::new_database() {
  static std::atomic<int> counter{0};
  const std::string name = fmt::format("test_{}_{}", ::getpid(), counter++);
  const CommandResult created = run_command(fmt::format(
      "{}{} -h 127.0.0.1 -p {} -U postgres {}",
      password_.empty() ? "" : "PGPASSWORD='" + password_ + "' ", bin("createdb"), port_, name));
  EXPECT_EQ(created.exit_code, 0) << created.err;
  return fmt::format("postgresql://postgres@127.0.0.1:{}/{}", port_, name);
}

}  // namespace privqa::testing
