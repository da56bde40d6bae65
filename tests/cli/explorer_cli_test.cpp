// The explorer `privqa report` writes, in headless Chromium driven through
// the DevTools protocol (puppeteer-core, tests/cli/explorer_browser.js), on
// the simulated run the report tests share: every expectation is computed
// with pandas from the runs' export CSVs (tests/cli/explorer_expected.py).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_testing.h"
#include "cli/png_image.h"
#include "cli/report_run.h"
#include "privqa/store/sqlite.h"
#include "testing.h"

namespace privqa {
namespace {

using nlohmann::json;
using testing::run_command;
using testing::TempDir;

using cli_testing::kBinary;
using cli_testing::slurp;

const std::filesystem::path kSource = build_info::kSourceDir;
const std::filesystem::path kPuppeteer =
    kSource / ".cache" / "npm" / "node_modules" / "puppeteer-core";

class ExplorerCli : public ::testing::TestWithParam<testing::EngineData> {
 protected:
  // The number of questions the report tests' run has, so both share it.
  ExplorerCli() : questions_(GetParam().questions_for(120)) {}

  void SetUp() override {
    cli_testing::shared_report_run(GetParam(), questions_, store_);
    ASSERT_FALSE(store_.empty()) << "the simulated run failed";
  }

  // A copy of the run in which S2 answers the first `flipped` questions
  // (by id) wrong: a second run that differs from it in known places.
  std::filesystem::path second_run(int flipped) {
    std::filesystem::path copy = out_ / "other.db";
    {
      auto db = sqlite::Database::open(store_, sqlite::OpenMode::kReadWrite);
      EXPECT_TRUE(db) << db.error().message();
      if (!db) return {};
      auto s = db->exec("VACUUM INTO '" + copy.string() + "'", "copy the run");
      EXPECT_TRUE(s) << s.error().message();
    }
    auto db = sqlite::Database::open(copy, sqlite::OpenMode::kReadWrite);
    EXPECT_TRUE(db) << db.error().message();
    if (!db) return {};
    auto s = db->exec(
        "UPDATE cells SET parsed = (gold + 1) % 4, correct = 0, raw_answer = 'Answer: ' || "
        "char(65 + (gold + 1) % 4) WHERE scenario = 'S2' AND status = 'ok' AND question_id IN "
        "(SELECT DISTINCT question_id FROM cells ORDER BY question_id LIMIT " +
            std::to_string(flipped) + ")",
        "flip S2's answers");
    EXPECT_TRUE(s) << s.error().message();
    return copy;
  }

  testing::CommandResult privqa(const std::string& args) {
    return run_command(kBinary + " " + args);
  }

  const int questions_;
  std::filesystem::path store_;
  TempDir out_;
};

TEST_P(ExplorerCli, TableQuestionPairedAndCompareViewsInChromium) {
  if (run_command("command -v chromium && command -v node").exit_code != 0 ||
      !std::filesystem::exists(kPuppeteer)) {
    GTEST_SKIP() << "chromium, node or puppeteer-core missing (scripts/setup.sh installs them)";
  }
  const auto other = second_run(5);
  ASSERT_FALSE(other.empty());
  const std::string mechanism = "santext+";
  const double eps = 1;
  for (const auto& [args, dir] : std::vector<std::pair<std::string, std::string>>{
           {store_.string(), "one"},
           {store_.string() + " " + other.string(), "two"},
           {store_.string() + " --explorer-inline-cells 10", "chunked"},
           {store_.string() + " --explorer-inline-cells 10 --explorer-questions 1", "sampled"}}) {
    const auto r =
        privqa("report " + args + " --format html --no-privacy --out " + (out_ / dir).string());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find((out_ / dir / "explorer.html").string()), std::string::npos) << r.out;
  }
  EXPECT_TRUE(std::filesystem::exists(out_ / "chunked" / "explorer-data" / "chunk-0.js"));
  EXPECT_FALSE(std::filesystem::exists(out_ / "one" / "explorer-data"));
  // One question keeps its texts: one chunk file, that question's.
  size_t sampled_chunks = 0;
  for (const auto& entry : std::filesystem::directory_iterator(out_ / "sampled" / "explorer-data"))
    sampled_chunks += entry.path().extension() == ".js";
  EXPECT_EQ(sampled_chunks, 1u);
  for (const auto& [run, csv] : {std::pair{store_, "one.csv"}, std::pair{other, "two.csv"}}) {
    const auto r =
        privqa("export " + run.string() + " --format csv --out " + (out_ / csv).string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const auto computed = run_command(
      "/usr/bin/python3 " + (kSource / "tests" / "cli" / "explorer_expected.py").string() + " " +
      (out_ / "one.csv").string() + " " + (out_ / "two.csv").string() + " " +
      GetParam().questions.string() + " " + mechanism + " " + std::to_string(eps));
  ASSERT_EQ(computed.exit_code, 0) << computed.out << computed.err;
  const json expected = json::parse(computed.out);
  ASSERT_FALSE(expected["probe"].is_null()) << "no question has S2 right and S3 wrong";
  // The flipped answers make run 2 differ in S2 only, and only where run 1 was right.
  EXPECT_GT(expected["compare"]["S2"]["b"].get<int>(), 0);
  EXPECT_EQ(expected["compare"]["S2"]["c"], 0);
  EXPECT_EQ(expected["compare"]["S1"]["b"], 0);

  // The screenshots stay in the build folder for a person to look at.
  const auto shots =
      std::filesystem::path(kBinary).parent_path() / "explorer_views" / GetParam().name;
  std::filesystem::create_directories(shots);
  const json args = {
      {"puppeteer", kPuppeteer.string()},
      {"chromium", run_command("command -v chromium")
                       .out.substr(0, run_command("command -v chromium").out.find('\n'))},
      {"one", (out_ / "one" / "explorer.html").string()},
      {"two", (out_ / "two" / "explorer.html").string()},
      {"chunked", (out_ / "chunked" / "explorer.html").string()},
      {"sampled", (out_ / "sampled" / "explorer.html").string()},
      {"out", shots.string()},
      {"mechanism", mechanism},
      {"eps", eps},
      {"expected", expected}};
  testing::write_text(out_ / "args.json", args.dump());
  const auto browser =
      run_command("node " + (kSource / "tests" / "cli" / "explorer_browser.js").string() + " " +
                  (out_ / "args.json").string());
  ASSERT_EQ(browser.exit_code, 0) << browser.out << browser.err;
  for (const char* view : {"table", "table_pattern", "question", "paired", "compare",
                           "compare_table", "compare_question"}) {
    const auto png = shots / (std::string(view) + ".png");
    const auto image = cli_testing::decode_png(slurp(png));
    ASSERT_TRUE(image) << "not a PNG: " << png;
    EXPECT_EQ(image->width, 1400u) << view;
    EXPECT_EQ(image->height, 1000u) << view;
  }
}

PRIVQA_INSTANTIATE_ENGINE_DATA(ExplorerCli);

}  // namespace
}  // namespace privqa
