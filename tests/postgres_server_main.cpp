// privqa_test_postgres start|stop STATE_FILE: ctest's `postgres` fixture
// (tests/postgres_server.h), one server for every test process of a ctest run.
#include <iostream>
#include <string>

#include "postgres_server.h"

int main(int argc, char** argv) {
  const std::string command = argc == 3 ? argv[1] : "";
  if (command == "start") {
    privqa::testing::PostgresServer::start_for_others(argv[2]);
  } else if (command == "stop") {
    privqa::testing::PostgresServer::stop_for_others(argv[2]);
  } else {
    std::cerr << "usage: privqa_test_postgres start|stop STATE_FILE\n";
    return 2;
  }
  return 0;
}
