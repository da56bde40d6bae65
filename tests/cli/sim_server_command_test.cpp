// privqa sim-server as a process: the first stdout line names the URL, the
// server answers there, and SIGTERM stops it cleanly.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "sim/sim_http_client.h"
#include "testing.h"

namespace privqa {
namespace {

const char* kQuestions =
    R"({"id":"a","question":"Koplik spots are seen in which infection?","opa":"Measles","opb":"Mumps","opc":"Rubella","opd":"Varicella","cop":1,"subject_name":"Medicine","topic_name":null,"choice_type":"single"}
{"id":"b","question":"Antidote for paracetamol overdose?","opa":"Naloxone","opb":"Flumazenil","opc":"Atropine","opd":"N-acetylcysteine","cop":4,"subject_name":"Pharmacology","topic_name":null,"choice_type":"single"}
)";

TEST(SimServerCommand, PrintsItsUrlServesAndStopsOnSigterm) {
  testing::TempDir dir;
  testing::write_text(dir / "q.jsonl", kQuestions);
  const std::string out_path = (dir / "stdout").string();
  const std::string dataset = (dir / "q.jsonl").string();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!freopen(out_path.c_str(), "w", stdout)) _exit(127);
    execl(PRIVQA_BINARY, PRIVQA_BINARY, "sim-server", "--dataset", dataset.c_str(), "--port", "0",
          "--time-scale", "0", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string line;
  for (int i = 0; i < 300 && line.empty(); ++i) {  // up to 30 s for start-up under sanitizers
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(out_path);
    std::getline(in, line);
  }
  ASSERT_EQ(line.rfind("listening on http://127.0.0.1:", 0), 0u) << line;
  ASSERT_EQ(line.substr(line.size() - 3), "/v1");
  const auto port_begin = std::string("listening on http://127.0.0.1:").size();
  const int port = std::stoi(line.substr(port_begin));
  testing::SimHttpClient client(static_cast<uint16_t>(port));
  EXPECT_EQ(client.get("/health").status, 200);

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(SimServerCommand, RefusesNonLoopbackBindAndBadInput) {
  testing::TempDir dir;
  testing::write_text(dir / "q.jsonl", kQuestions);
  const std::string binary = PRIVQA_BINARY;
  const std::string dataset = (dir / "q.jsonl").string();
  const auto remote =
      testing::run_command(binary + " sim-server --dataset " + dataset + " --bind 0.0.0.0");
  EXPECT_EQ(remote.exit_code, 2);
  EXPECT_NE(remote.err.find("loopback"), std::string::npos) << remote.err;
  EXPECT_EQ(testing::run_command(binary + " sim-server --dataset " + dataset + " --fault-500 1.5")
                .exit_code,
            2);
  EXPECT_EQ(testing::run_command(binary + " sim-server --dataset " + (dir / "none.jsonl").string())
                .exit_code,
            2);
  for (const char* quota : {"sim-remote", "sim-remote=", "=5", "sim-remote=-1", "sim-remote=5x"}) {
    const auto bad =
        testing::run_command(binary + " sim-server --dataset " + dataset + " --quota " + quota);
    EXPECT_EQ(bad.exit_code, 2) << quota;
    EXPECT_NE(bad.err.find("--quota: '" + std::string(quota) + "' is not MODEL=N"),
              std::string::npos)
        << bad.err;
  }
}

}  // namespace
}  // namespace privqa
