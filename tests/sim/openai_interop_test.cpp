// Interop with a client we did not write: the official openai npm SDK
// (installed by scripts/setup.sh into .cache/npm) against the simulator.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "privqa/base/build_info.h"
#include "privqa/sim/sim_server.h"
#include "sim/sim_questions.h"
#include "testing.h"

namespace privqa {
namespace {

TEST(OpenAiInterop, OfficialSdkRunsChatAndEmbeddingsCalls) {
  if (testing::run_command("node --version").exit_code != 0) {
    GTEST_SKIP() << "node is not installed (scripts/setup.sh installs it)";
  }
  const std::filesystem::path source = build_info::kSourceDir;
  const auto node_modules = source / ".cache" / "npm" / "node_modules";
  if (!std::filesystem::exists(node_modules / "openai" / "index.mjs")) {
    GTEST_SKIP() << "the openai npm SDK is not in " << node_modules
                 << " (run scripts/setup.sh to fetch it)";
  }
  testing::TempDir dir;
  SimOptions options;
  options.questions = testing::sim_test_questions();
  options.time_scale = 0;
  options.log_path = dir / "log.jsonl";
  auto server = SimServer::start(options);
  ASSERT_TRUE(server.ok()) << server.error().message();

  const std::string base_url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/v1";
  const auto result =
      testing::run_command("node " + (source / "tests/sim/openai_interop.mjs").string() + " " +
                           base_url + " " + node_modules.string());
  (*server)->stop();
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  const auto summary = nlohmann::json::parse(result.out);
  EXPECT_EQ(summary["answers"].size(), 2u);
  EXPECT_EQ(summary["dims"], 256);

  std::ifstream in(dir / "log.jsonl");
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(log.find("sk-interop-never-logged"), std::string::npos);
  EXPECT_NE(log.find("\"authorization_present\":true"), std::string::npos);
}

}  // namespace
}  // namespace privqa
