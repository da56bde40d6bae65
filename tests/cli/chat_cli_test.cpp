// `privqa chat` against the simulated provider, run as a user would.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "privqa/sim/sim_server.h"
#include "testing.h"

namespace privqa {
namespace {

using testing::run_command;

class ChatCli : public ::testing::Test {
 protected:
  void SetUp() override {
    Question q;
    q.id = "q0";
    q.text = "Which vitamin deficiency causes scurvy?";
    q.options = {"Vitamin A", "Vitamin C", "Vitamin D", "Vitamin K"};
    q.answer = 1;
    SimOptions options;
    options.questions = {q};
    options.time_scale = 0;
    options.log_path = dir_ / "requests.jsonl";
    auto server = SimServer::start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.error().message();
    server_ = std::move(server.value());
    testing::write_text(dir_ / "providers.toml",
                        fmt::format("[providers.sim]\n"
                                    "base_url = \"http://127.0.0.1:{}/v1\"\n"
                                    "model = \"sim-local\"\n"
                                    "api_key_env = \"PRIVQA_CLI_TEST_KEY\"\n",
                                    server_->port()));
  }

  std::string chat(const std::string& args) const {
    return fmt::format("PRIVQA_CLI_TEST_KEY={} {} chat --config {} {}", kKey, PRIVQA_BINARY,
                       (dir_ / "providers.toml").string(), args);
  }

  static constexpr const char* kKey = "sk-cli-FAKE-KEY-31415926";
  testing::TempDir dir_;
  std::unique_ptr<SimServer> server_;
};

TEST_F(ChatCli, PrintsTheReplyAndNeverTheKey) {
  const auto r =
      run_command(chat("--provider sim --verbose 'Which vitamin prevents scurvy? "
                       "Answer with a letter. A) Vitamin A B) Vitamin C'"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.out.empty());
  EXPECT_NE(r.err.find("Authorization: [redacted]"), std::string::npos) << r.err;
  // The body sent, as the help says: the prompt is in it.
  EXPECT_NE(r.err.find("\n\n{"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"content\":\"Which vitamin prevents scurvy?"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("prompt +"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("FAKE-KEY"), std::string::npos);
  EXPECT_EQ(r.err.find("FAKE-KEY"), std::string::npos);
  server_->stop();
  std::ifstream log(dir_ / "requests.jsonl");
  const std::string logged((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(logged.find("\"authorization_present\":true"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("FAKE-KEY"), std::string::npos);
}

TEST_F(ChatCli, UnknownProviderIsAUsageError) {
  const auto r = run_command(chat("--provider nope hello"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no provider named 'nope' (configured: sim)"), std::string::npos) << r.err;
}

TEST_F(ChatCli, A4xxFromTheProviderIsARuntimeFailureWithItsMessage) {
  testing::write_text(dir_ / "providers.toml",
                      fmt::format("[providers.sim]\nbase_url = \"http://127.0.0.1:{}/v1\"\n"
                                  "model = \"no-such-model\"\n",
                                  server_->port()));
  const auto r = run_command(fmt::format("{} chat --config {} --provider sim hello", PRIVQA_BINARY,
                                         (dir_ / "providers.toml").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("HTTP 404: The model 'no-such-model' does not exist"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace privqa
