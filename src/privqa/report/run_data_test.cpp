// A run read with its texts left in the store gives the report and the
// explorer the run read whole gives, while holding no text of a cell.
#include "privqa/report/run_data.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "privqa/report/explorer.h"
#include "privqa/report/render.h"
#include "privqa/report/tables.h"
#include "privqa/store/open_store.h"
#include "testing.h"

namespace privqa::report {
namespace {

using nlohmann::json;

// 40 questions in a MedMCQA file; each with S1 and S3 (santext+ at eps 1
// and 2, texts and budgets of their own) cells, and A1 attack cells on
// every fifth, not the first in key order (the experiment's cells before
// the first attack cell stay where they are read). Ids longer than a
// short string's buffer, as real ones are.
struct StoredRun {
  testing::TempDir dir;
  std::string store = (dir / "run.db").string();
  std::vector<std::string> keys;  // of the experiment's cells, as put

  StoredRun() {
    const auto dataset = dir / "questions.jsonl";
    std::ofstream out(dataset);
    for (int i = 0; i < 40; ++i) {
      out << json{{"id", fmt::format("medmcqa-dev-question-{}", i)},
                  {"question", fmt::format("Which nerve supplies muscle number {}?", i)},
                  {"opa", "ulnar"},
                  {"opb", "radial"},
                  {"opc", "median"},
                  {"opd", "axillary"},
                  {"cop", 1 + i % 4},
                  {"subject_name", i % 2 ? "Anatomy" : "Physiology"}}
                 .dump()
          << "\n";
    }
    out.close();
    auto opened = open_store(store, false);
    EXPECT_TRUE(opened.ok()) << opened.error().message();
    ResultStore& s = **opened;
    RunRecord record;
    record.fingerprint = "abc";
    record.created_at = "2026-12-04T00:00:00Z";
    record.config = {{"dataset", {{"path", dataset.string()}, {"format", "medmcqa"}}},
                     {"mechanisms", json::array({{{"name", "santext+"}}})},
                     {"epsilons", {1.0, 2.0}},
                     {"embeddings", (dir / "no-table.vec").string()}};
    EXPECT_TRUE(s.bind_run(record).ok());
    for (int i = 0; i < 40; ++i) {
      const std::string id = fmt::format("medmcqa-dev-question-{}", i);
      CellResult local;
      local.key = {id, Scenario::kLocal, "", 0, 0};
      local.gold = i % 4;
      local.parsed = i % 3;
      local.raw_answer = fmt::format("Answer: {}", "ABCD"[i % 3]);
      local.local_tokens_in = 100 + i;
      EXPECT_TRUE(s.put(local).ok());
      keys.push_back(local.key.str());
      for (const double eps : {1.0, 2.0}) {
        CellResult c = local;
        c.key = {id, Scenario::kPrivateCot, "santext+", eps, 0};
        c.sanitized = fmt::format("which nerve feeds muscle {} at {}", i, eps);
        c.cot = "the nerve of that compartment";
        c.remote_tokens_out = 50 + i;
        c.details = json{{"mechanism",
                          {{"eps_spent", eps * (10 + i % 7)},
                           {"sampled", 10 + i % 7},
                           {"eps_per_token", eps}}}}
                        .dump();
        if (i == 7) {
          c.status = CellStatus::kError;
          c.parsed = -1;
          c.error = "cot (remote): HTTP 500";
        }
        EXPECT_TRUE(s.put(c).ok());
        keys.push_back(c.key.str());
        if (i % 5 == 4) {
          CellResult a = c;
          a.key.scenario = Scenario::kReconstruct;
          a.raw_answer = fmt::format("Which nerve supplies muscle {}?", i);
          EXPECT_TRUE(s.put(a).ok());
        }
      }
    }
  }
};

std::string report_json(const RunData& run, size_t privacy_questions) {
  auto report =
      build_report(run, {.bootstrap_resamples = 50, .privacy_questions = privacy_questions});
  EXPECT_TRUE(report.ok()) << report.error().message();
  if (!report.ok()) return "";
  const std::vector<RunReport> reports = {*report};
  return render_json("t", reports, data_tables(reports));
}

TEST(LoadRun, TextsLeftInTheStoreGiveTheSameReportAndExplorer) {
  const StoredRun stored;
  auto held = load_run(stored.store);
  auto in_store = load_run(stored.store, std::nullopt, CellTexts::kInStore);
  ASSERT_TRUE(held.ok()) << held.error().message();
  ASSERT_TRUE(in_store.ok()) << in_store.error().message();
  ASSERT_EQ(held->cells.size(), 120u);
  ASSERT_EQ(in_store->cells.size(), 120u);
  ASSERT_EQ(held->corpus.size(), 40u) << held->dataset_problem;
  std::vector<std::string> keys = stored.keys;
  std::sort(keys.begin(), keys.end());  // key order, as the store gives them
  std::vector<std::string> read;
  for (const CellResult& c : held->cells)
    read.push_back(c.key.str());
  EXPECT_EQ(read, keys);
  for (size_t i = 0; i < held->cells.size(); ++i) {
    const CellResult &whole = held->cells[i], &outcome = in_store->cells[i];
    EXPECT_EQ(whole.key.str(), outcome.key.str());
    EXPECT_EQ(whole.parsed, outcome.parsed);
    EXPECT_EQ(whole.remote_tokens_out, outcome.remote_tokens_out);
    EXPECT_TRUE(outcome.sanitized.empty() && outcome.cot.empty() && outcome.raw_answer.empty() &&
                outcome.details.empty() && outcome.error.empty())
        << outcome.key.str();
  }
  // The attack cells are whole either way.
  ASSERT_EQ(in_store->attack_cells.size(), 16u);
  for (size_t i = 0; i < held->attack_cells.size(); ++i) {
    EXPECT_EQ(in_store->attack_cells[i].raw_answer, held->attack_cells[i].raw_answer);
    EXPECT_EQ(in_store->attack_cells[i].sanitized, held->attack_cells[i].sanitized);
  }

  // Every question, and a sample of 9 (the privacy metrics and the budget).
  for (const size_t questions : {size_t{0}, size_t{9}}) {
    const std::string whole = report_json(*held, questions);
    EXPECT_EQ(report_json(*in_store, questions), whole) << questions;
    EXPECT_NE(whole.find("santext+"), std::string::npos);
  }
  for (const size_t text_questions : {size_t{0}, size_t{9}}) {
    const ExplorerOptions options{.text_questions = text_questions};
    std::vector<RunData> runs;
    runs.push_back(std::move(*held));
    std::vector<RunReport> reports = {*build_report(runs[0], {.privacy = false})};
    auto whole = explorer_data(runs, reports, options);
    held = std::move(runs[0]);
    runs[0] = std::move(*in_store);
    auto read = explorer_data(runs, reports, options);
    in_store = std::move(runs[0]);
    ASSERT_TRUE(whole.ok() && read.ok());
    EXPECT_EQ(read->page, whole->page);
    EXPECT_EQ(read->chunks, whole->chunks);
    EXPECT_NE(read->chunks.front().find("which nerve feeds muscle"), std::string::npos);
  }
}

}  // namespace
}  // namespace privqa::report
