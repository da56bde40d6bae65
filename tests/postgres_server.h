// A throw-away PostgreSQL 15 server shared by the tests: initdb in a temp
// folder, trust authentication, listening on 127.0.0.1 only, on a free
// port; run as the `postgres` user when the tests run as root, since the
// server refuses root. Each test takes a new database on it.
//
// Under ctest one server serves every test process: the fixture
// `postgres` (CMakeLists.txt) starts it with privqa_test_postgres before
// the first test that requires it and stops it after the last, and hands
// it over in PRIVQA_TEST_POSTGRES (a state file). A test binary run by
// hand starts its own on first use and stops it when it exits; a watchdog
// stops it too if the process dies without exiting (a crash, a kill).
//
// The binaries are Debian's postgresql-15 (/usr/lib/postgresql/15/bin, or
// PRIVQA_PG_BIN). Tests that need the server skip, saying why, when they are
// absent: PRIVQA_REQUIRE_POSTGRES.
#pragma once

#include <memory>
#include <string>

namespace privqa::testing {

class PostgresServer {
 public:
  // The process's server, started on its first call; nullptr when none can
  // run, with the reason in `why_not`.
  static PostgresServer* shared(std::string& why_not);

  // For ctest's fixture: starts a server that outlives this process and
  // writes the state file PRIVQA_TEST_POSTGRES names (or, when no server
  // can run, the reason, for the tests to skip with); stops it again.
  static void start_for_others(const std::string& state_file);
  static void stop_for_others(const std::string& state_file);

  // A server of the caller's own, which it may stop and start again while
  // the shared one serves other tests. With a `password`, logins over TCP
  // need it (scram-sha-256) instead of being trusted. nullptr when none can
  // run, with the reason in `why_not`.
  static std::unique_ptr<PostgresServer> start_private(std::string& why_not,
                                                       const std::string& password = "");
  // Stops the server at once, as `pg_ctl stop -m fast` does (open sessions
  // are cut), and starts it again on the same port: true on success.
  bool stop_for_now();
  bool start_again();

  int port() const { return port_; }
  // A new empty database on the server, as a URL
  // "postgresql://postgres@127.0.0.1:PORT/NAME".
  std::string new_database();

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

 private:
  PostgresServer() = default;
  // "" when started, else why not. With `watched`, the server stops when
  // this process ends.
  std::string start(bool watched, const std::string& password = "");
  // Starts the initialised server on `port_`; "" on success, else the output.
  std::string launch();
  // Takes over the server of a state file; "" when there is one, else why not.
  std::string adopt(const std::string& state_file);
  void stop();
  std::string bin(const std::string& program) const;

  std::string bin_dir_;
  std::string dir_;  // data folder, socket and log
  int port_ = 0;
  bool running_ = false;
  bool owned_ = false;  // this object stops the server
  std::string password_;
};

}  // namespace privqa::testing

// Skips the test, saying why, when no PostgreSQL server can run here;
// otherwise `var` is the shared server.
#define PRIVQA_REQUIRE_POSTGRES(var)                                         \
  std::string var##_why_not;                                                 \
  ::privqa::testing::PostgresServer* const var =                             \
      ::privqa::testing::PostgresServer::shared(var##_why_not);              \
  if ((var) == nullptr) {                                                    \
    GTEST_SKIP() << "no PostgreSQL server for this test: " << var##_why_not; \
  }
