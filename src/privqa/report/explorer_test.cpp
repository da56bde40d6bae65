// The explorer's data on hand-made runs: the outcome of every cell in its
// column, the cells in their chunks, the page safe from the texts it holds.
#include "privqa/report/explorer.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <filesystem>

#include "privqa/base/files.h"
#include "testing.h"

namespace privqa::report {
namespace {

using nlohmann::json;

CellResult make_cell(const std::string& q, Scenario s, int parsed,
                     const std::string& mechanism = "", double eps = 0) {
  CellResult c;
  c.key = {q, s, mechanism, eps, 0};
  c.gold = 1;
  c.parsed = parsed;
  if (s == Scenario::kPrivateCot) c.sanitized = "words in place of " + q;
  return c;
}

// Three questions; S1, S2, S3 with inferdpt at eps 1 and 2 and santext+ at
// eps 1, the cells stored out of column order; q1 has no S2 cell. q1's text
// tries to end the script.
RunData three_questions() {
  RunData run;
  run.label = "demo";
  run.simulated = true;
  run.record.config = json::parse(R"({"mechanisms": [{"name": "santext+", "params": {}},
      {"name": "inferdpt", "params": {}}], "epsilons": [1.0, 2.0]})");
  for (int i = 0; i < 3; ++i) {
    Question q;
    q.id = "q" + std::to_string(i);
    q.text = i == 1 ? "what ends </script><!-- here?" : "question " + std::to_string(i);
    q.options = {"a", "b", "c", "d"};
    q.answer = 1;
    q.subject = "Anatomy";
    run.corpus.push_back(q);
  }
  for (int i = 0; i < 3; ++i) {
    const std::string id = "q" + std::to_string(i);
    run.cells.push_back(make_cell(id, Scenario::kPrivateCot, 1, "inferdpt", 2));
    run.cells.push_back(make_cell(id, Scenario::kPrivateCot, 0, "santext+", 1));
    run.cells.push_back(make_cell(id, Scenario::kLocal, i == 0 ? 1 : -1));
    run.cells.push_back(make_cell(id, Scenario::kRemoteCot, 1));
    run.cells.push_back(make_cell(id, Scenario::kPrivateCot, 1, "inferdpt", 1));
  }
  run.cells[3 * 5 - 1].status = CellStatus::kError;  // q2, S3 inferdpt eps 1
  run.cells[3 * 5 - 1].error = "timeout";
  run.cells.erase(run.cells.begin() + 5 + 3);  // q1 has no S2 cell
  return run;
}

std::vector<RunReport> reports_of(const std::vector<RunData>& runs) {
  std::vector<RunReport> out;
  for (const auto& run : runs)
    out.push_back(*build_report(run, {.privacy = false, .bootstrap_resamples = 10}));
  return out;
}

ExplorerData made(const std::vector<RunData>& runs, const ExplorerOptions& options = {}) {
  auto data = explorer_data(runs, reports_of(runs), options);
  EXPECT_TRUE(data.ok()) << data.error().message();
  return data.ok() ? std::move(*data) : ExplorerData{};
}

TEST(Explorer, ColumnsFollowTheScenariosAndTheRunsMechanismOrder) {
  const std::vector<RunData> runs = {three_questions()};
  const json page = made(runs).page;
  std::vector<std::string> names;
  for (const auto& c : page["columns"]) {
    names.push_back(c["scenario"].get<std::string>() + " " + c["mechanism"].get<std::string>() +
                    " " + (c["eps"].is_null() ? "-" : c["eps"].dump()));
  }
  // santext+ first, as the run lists it; no column without a cell (santext+ at eps 2).
  EXPECT_EQ(names, (std::vector<std::string>{"S1  -", "S2  -", "S3 santext+ 1.0", "S3 inferdpt 1.0",
                                             "S3 inferdpt 2.0"}))
      << page["columns"];
}

TEST(Explorer, EachCellsOutcomeIsInItsColumnAndQuestion) {
  const std::vector<RunData> runs = {three_questions()};
  const json page = made(runs).page;
  ASSERT_EQ(page["questions"].size(), 3u);
  EXPECT_EQ(page["questions"][1]["gold"], "B");
  EXPECT_EQ(page["questions"][1]["options"].size(), 4u);
  // By hand: S1 right on q0, unparsed on q1 and q2; S2 right but no cell
  // on q1; santext+ eps 1 wrong everywhere; inferdpt eps 1 right but an
  // error on q2; inferdpt eps 2 right.
  const json expected = json::array({"RUU", "R.R", "WWW", "RRE", "RRR"});
  EXPECT_EQ(page["outcomes"][0], expected);
  EXPECT_EQ(page["simulated"], true);
  EXPECT_EQ(page["title"].get<std::string>().rfind("SIMULATED", 0), 0u);
}

TEST(Explorer, ChunksHoldEachQuestionsCellsAsTheExportReadsThem) {
  const std::vector<RunData> runs = {three_questions()};
  const ExplorerData data = made(runs, {.inline_cells = 0, .questions_per_chunk = 2});
  EXPECT_FALSE(data.inline_chunks);
  ASSERT_EQ(data.chunks.size(), 2u);  // q0, q1 | q2
  EXPECT_EQ(data.page["chunks"]["count"], 2);
  const json first = json::parse(data.chunks[0]), second = json::parse(data.chunks[1]);
  EXPECT_EQ(first.size(), 9u);
  EXPECT_EQ(second.size(), 5u);
  for (const auto& cell : second) {
    EXPECT_EQ(cell["question"], 2);
    EXPECT_EQ(cell["run"], 0);
    // The export's fields, less those the page holds once.
    EXPECT_TRUE(cell.contains("sanitized") && cell.contains("parse_method") &&
                cell.contains("details") && cell.contains("cost"))
        << cell;
    EXPECT_FALSE(cell.contains("question_id") || cell.contains("run_id")) << cell;
  }
  const json& failed = second[4];
  EXPECT_EQ(failed["status"], "error");
  EXPECT_EQ(failed["error"], "timeout");
  const auto files = explorer_files(data);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[1].first, "explorer-data/chunk-0.js");
  const std::string& script = files[2].second;
  const std::string prefix = "privqaExplorerChunk(1, ";
  ASSERT_EQ(script.rfind(prefix, 0), 0u) << script.substr(0, 80);
  EXPECT_EQ(json::parse(script.substr(prefix.size(), script.rfind(')') - prefix.size())), second);
}

// write_explorer writes the chunk files as they are made, without holding
// them: the same files as explorer_files of the data held whole.
TEST(Explorer, WrittenFilesAreThoseOfTheDataHeldWhole) {
  const std::vector<RunData> runs = {three_questions()};
  const ExplorerOptions options{.inline_cells = 0, .questions_per_chunk = 2};
  const auto expected = explorer_files(made(runs, options));
  ASSERT_EQ(expected.size(), 3u);  // the page and two chunks
  privqa::testing::TempDir dir;
  auto page = write_explorer(runs, reports_of(runs), dir.path(), options);
  ASSERT_TRUE(page.ok()) << page.error().message();
  EXPECT_EQ(*page, dir / "explorer.html");
  for (const auto& [name, contents] : expected) {
    auto written = read_file(dir / name);
    ASSERT_TRUE(written.ok()) << name;
    EXPECT_EQ(*written, contents) << name;
  }
  // Inline: no folder of chunks.
  privqa::testing::TempDir inline_dir;
  ASSERT_TRUE(write_explorer(runs, reports_of(runs), inline_dir.path()).ok());
  EXPECT_FALSE(std::filesystem::exists(inline_dir / "explorer-data"));
}

// More questions than text_questions: the cells' texts of the questions
// whose ids hash lowest only; every outcome still in the table.
TEST(Explorer, ALargerRunKeepsTheTextsOfTheQuestionsWhoseIdsHashLowest) {
  const std::vector<RunData> runs = {three_questions()};
  std::vector<std::pair<uint64_t, size_t>> hashes;
  for (size_t q = 0; q < 3; ++q) {
    const std::string id = "q" + std::to_string(q);
    hashes.emplace_back(XXH3_64bits(id.data(), id.size()), q);
  }
  const size_t lowest = std::min_element(hashes.begin(), hashes.end())->second;

  std::vector<std::pair<size_t, std::string>> given;
  auto data = explorer_data(
      runs, reports_of(runs), {.inline_cells = 0, .questions_per_chunk = 1, .text_questions = 1},
      [&](size_t k, const std::string& chunk) { given.emplace_back(k, chunk); });
  ASSERT_TRUE(data.ok()) << data.error().message();
  ASSERT_EQ(given.size(), 1u);  // no chunk without a sampled question
  EXPECT_EQ(given[0].first, lowest);
  const json cells = json::parse(given[0].second);
  EXPECT_EQ(cells.size(), lowest == 1 ? 4u : 5u);  // q1 has no S2 cell
  for (const auto& c : cells)
    EXPECT_EQ(c["question"], lowest);
  const json& page = data->page;
  EXPECT_EQ(page["chunks"]["count"], 3);
  EXPECT_EQ(page["chunks"]["text_questions"], 1);
  for (size_t q = 0; q < 3; ++q)
    EXPECT_EQ(page["questions"][q].contains("texts"), q != lowest) << q;
  EXPECT_EQ(page["outcomes"][0], json::array({"RUU", "R.R", "WWW", "RRE", "RRR"}));
}

TEST(Explorer, NoTextEndsTheScriptItSitsIn) {
  const std::vector<RunData> runs = {three_questions()};
  const auto files = explorer_files(made(runs));
  ASSERT_EQ(files.size(), 1u);  // 15 cells: inline
  const std::string& html = files[0].second;
  EXPECT_EQ(html.find("</script><!--"), std::string::npos);
  EXPECT_EQ(html.find("<!--"), std::string::npos);
  // The text is still there, '<' escaped as JSON reads it back.
  const std::string open = "<script type=\"application/json\" id=\"privqa-data\">";
  const size_t at = html.find(open) + open.size();
  const json page = json::parse(html.substr(at, html.find("</script>", at) - at));
  EXPECT_EQ(page["questions"][1]["text"], "what ends </script><!-- here?");
  EXPECT_NE(html.find("<p class=\"simulated\""), std::string::npos);
  // No resource from anywhere.
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
}

TEST(Explorer, TwoRunsCarryTheirComparison) {
  RunData second = three_questions();
  second.label = "other";
  second.cells[2].parsed = 0;  // q0 S1: right in run 1, wrong in run 2
  const std::vector<RunData> runs = {three_questions(), second};
  const json page = made(runs).page;
  EXPECT_EQ(page["outcomes"][1][0], "WUU");
  EXPECT_EQ(page["runs"][1]["label"], "other");
  bool found = false;
  for (const auto& c : page["comparisons"]) {
    if (c["condition"]["scenario"] != "S1") continue;
    found = true;
    EXPECT_EQ(c["run"], 1);
    EXPECT_EQ(c["b"], 1);  // run 1 right, run 2 wrong: q0
    EXPECT_EQ(c["c"], 0);
    EXPECT_EQ(c["pairs"], 3);
  }
  EXPECT_TRUE(found) << page["comparisons"];
}

// The page's hash, read with URLSearchParams: '+' must be %2B, or it reads as a space.
TEST(Explorer, LinksStateTheTableViewInThePagesHash) {
  const Group s3{Scenario::kPrivateCot, "santext+", 0.5};
  const Group s2{Scenario::kRemoteCot, "", 0};
  EXPECT_EQ(explorer_paired_link(0, s3, s2, 'b'),
            "explorer.html#mechanism=santext%2B&eps=0.5&S2=right&S3=wrong");
  EXPECT_EQ(explorer_paired_link(2, s2, Group{Scenario::kLocal, "", 0}, 'c'),
            "explorer.html#run=2&S1=wrong&S2=right");
  EXPECT_EQ(explorer_difference_link(1, Group{Scenario::kPrivateCot, "cus text", 3}, 'c'),
            "explorer.html#diff=c&drun=1&dscen=S3&mechanism=cus%20text&eps=3");
}

}  // namespace
}  // namespace privqa::report
