// build_report on a hand-made run whose every count is known.
#include "privqa/report/run_report.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>

#include "privqa/report/render.h"
#include "privqa/report/tables.h"

namespace privqa::report {
namespace {

CellResult cell(const std::string& q, Scenario s, bool right, const std::string& mechanism = "",
                double eps = 0) {
  CellResult c;
  c.key = {q, s, mechanism, eps, 0};
  c.gold = 1;
  c.parsed = right ? 1 : 0;
  c.latency = 1;
  c.local_tokens_in = 10;
  if (s != Scenario::kLocal) c.remote_tokens_in = 30;
  if (s == Scenario::kPrivateCot) c.sanitized = "some other words entirely";
  return c;
}

// Ten questions. S1 right on q0..q3; S3 (santext+, eps 1) right on q2..q8.
// Against S1: b = S1 right, S3 wrong = {q0, q1} = 2; c = {q4..q8} = 5.
RunData ten_questions() {
  RunData run;
  run.label = "demo";
  run.simulated = true;
  run.record.config = nlohmann::json::parse(
      R"({"seed": 3, "mechanisms": [{"name": "santext+", "params": {}}], "epsilons": [1.0],
          "dataset": {"path": "x.json"}})");
  for (int i = 0; i < 10; ++i) {
    const std::string id = "q" + std::to_string(i);
    Question q;
    q.id = id;
    q.text = "question number " + std::to_string(i) + " about organ" + std::to_string(i);
    q.subject = i < 4 ? "Anatomy" : "Surgery";
    run.corpus.push_back(q);
    run.cells.push_back(cell(id, Scenario::kLocal, i < 4));
    run.cells.push_back(cell(id, Scenario::kPrivateCot, i >= 2 && i <= 8, "santext+", 1));
  }
  // One S1 answer unparsed (q9, counted wrong) and one S3 cell failed (q9).
  run.cells[18].parsed = -1;
  run.cells[19].status = CellStatus::kError;
  run.cells[19].sanitized.clear();
  run.sessions = {{.wall_seconds = 2.5,
                   .interrupted = true,
                   .providers = {{"l",
                                  {.model = "m1",
                                   .role = ProviderRole::kLocal,
                                   .retries = 1,
                                   .tokens_in = 200,
                                   .cost = 0.0}},
                                 {"r",
                                  {.model = "m2",
                                   .role = ProviderRole::kRemote,
                                   .hedges = 3,
                                   .rate_limited = 2,
                                   .cache_errors = 1,
                                   .tokens_in = 270,
                                   .cost = 0.9}}}},
                  {.wall_seconds = 1.5,
                   .interrupted = false,
                   .providers = {{"r",
                                  {.model = "m2",
                                   .role = ProviderRole::kRemote,
                                   .hedges = 4,
                                   .tokens_in = 0,
                                   .cost = 0.1}}}}};
  return run;
}

TEST(BuildReport, CountsAccuracyPairsAndCost) {
  auto report = build_report(ten_questions(), {"", false, 200, 5});
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->title, "SIMULATED privqa report: demo");
  ASSERT_EQ(report->accuracy.size(), 2u);
  const AccuracyStat& s1 = report->accuracy[0];
  EXPECT_EQ(s1.scenario, Scenario::kLocal);
  EXPECT_EQ(s1.n, 10u);
  EXPECT_EQ(s1.correct, 4u);
  EXPECT_EQ(s1.unparsed, 1u);
  EXPECT_EQ(s1.errors, 0u);
  const AccuracyStat& s3 = report->accuracy[1];
  EXPECT_EQ(s3.n, 9u);  // the failed cell is not a trial
  EXPECT_EQ(s3.correct, 7u);
  EXPECT_EQ(s3.errors, 1u);

  ASSERT_EQ(report->paired.size(), 1u);  // no S2 in this run
  const PairedComparison& p = report->paired[0];
  EXPECT_EQ(p.baseline.scenario, Scenario::kLocal);
  EXPECT_EQ(p.condition, (Group{Scenario::kPrivateCot, "santext+", 1}));
  EXPECT_EQ(p.pairs, 9u);
  EXPECT_EQ(p.test.b, 2u);
  EXPECT_EQ(p.test.c, 5u);
  EXPECT_EQ(p.test.method, McNemarMethod::kExact);
  // P(X <= 2 | n = 7, 1/2) = (1 + 7 + 21) / 128; two-sided: 58 / 128.
  EXPECT_NEAR(p.test.p_value, 58.0 / 128.0, 1e-12);
  EXPECT_NEAR(p.condition_accuracy - p.baseline_accuracy, 3.0 / 9.0, 1e-12);
  // A family of one: nothing to adjust.
  EXPECT_EQ(p.family_size, 1u);
  EXPECT_DOUBLE_EQ(p.holm_p, p.test.p_value);
  EXPECT_DOUBLE_EQ(p.bh_q, p.test.p_value);

  // Per subject, at least 5 questions: Surgery (q4..q9) has its rows, Anatomy
  // (q0..q3, 4 questions) goes to the pool. Surgery S1: n = 6 (q9 unparsed
  // counts as wrong), none right; S3: q9 failed, n = 5, all right. The pool
  // S1: 4 of 4; S3: q2, q3 of 4.
  ASSERT_EQ(report->subjects.size(), 4u);
  EXPECT_EQ(report->subjects[0].subject, "Surgery");
  EXPECT_EQ(report->subjects[0].questions, 6u);
  EXPECT_EQ(report->subjects[0].stat.n, 6u);
  EXPECT_EQ(report->subjects[0].stat.correct, 0u);
  EXPECT_EQ(report->subjects[1].stat.n, 5u);
  EXPECT_EQ(report->subjects[1].stat.correct, 5u);
  EXPECT_EQ(report->subjects[2].subject, kPooledSubjects);
  EXPECT_EQ(report->subjects[2].subjects, 1u);
  EXPECT_EQ(report->subjects[2].questions, 4u);
  EXPECT_EQ(report->subjects[2].stat.scenario, Scenario::kLocal);
  EXPECT_EQ(report->subjects[2].stat.correct, 4u);
  EXPECT_EQ(report->subjects[3].stat.n, 4u);
  EXPECT_EQ(report->subjects[3].stat.correct, 2u);

  // Sessions add up; remote cost $1.00 split by remote tokens: all S3.
  EXPECT_DOUBLE_EQ(report->wall_seconds, 4.0);
  EXPECT_EQ(report->sessions, 2u);
  EXPECT_EQ(report->interrupted_sessions, 1u);
  ASSERT_EQ(report->providers.size(), 2u);
  EXPECT_DOUBLE_EQ(report->providers[1].totals.cost, 1.0);
  EXPECT_EQ(report->providers[1].totals.rate_limited, 2);
  EXPECT_EQ(report->providers[1].totals.hedges, 7);  // 3 + 4
  EXPECT_EQ(report->providers[1].totals.cache_errors, 1);
  ASSERT_EQ(report->usage.size(), 2u);
  EXPECT_DOUBLE_EQ(report->usage[0].allocated_cost, 0.0);
  EXPECT_DOUBLE_EQ(report->usage[1].allocated_cost, 1.0);
}

// Local cost $0.40 over 20 cells of 10 local tokens each: $0.02 a cell.
// Remote cost $1.00 (0.9 + 0.1 over the sessions) over the 10 S3 cells of 30
// remote tokens each: $0.10 more for each S3 cell.
TEST(CellCosts, SplitEachProvidersCostByTheCellsTokenShares) {
  RunData run = ten_questions();
  run.sessions[0].providers["l"].cost = 0.4;
  const std::vector<double> costs = cell_costs(run);
  ASSERT_EQ(costs.size(), run.cells.size());
  double total = 0;
  for (size_t i = 0; i < costs.size(); ++i) {
    const bool s3 = run.cells[i].key.scenario == Scenario::kPrivateCot;
    EXPECT_NEAR(costs[i], s3 ? 0.12 : 0.02, 1e-12) << i;
    total += costs[i];
  }
  EXPECT_NEAR(total, 1.4, 1e-12);
  // The report's per-scenario cost is the sum over the group's cells.
  auto report = build_report(run, {"", false, 200});
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->usage.size(), 2u);
  EXPECT_NEAR(report->usage[0].allocated_cost, 0.2, 1e-12);
  EXPECT_NEAR(report->usage[1].allocated_cost, 1.2, 1e-12);
}

TEST(BuildReport, SubjectsBelowTheMinimumArePooledAndTheTableSaysSo) {
  auto report = build_report(ten_questions(), {"", false, 200, 7});
  ASSERT_TRUE(report.ok()) << report.error().message();
  // Neither subject has 7 questions: one pooled row per group, over all 10.
  ASSERT_EQ(report->subjects.size(), 2u);
  EXPECT_EQ(report->subjects[0].subject, kPooledSubjects);
  EXPECT_EQ(report->subjects[0].subjects, 2u);
  EXPECT_EQ(report->subjects[0].questions, 10u);
  EXPECT_EQ(report->subjects[0].stat.n, 10u);
  const std::vector<RunReport> runs{*report};
  const std::string md = render_markdown(report_title(runs), report_sections(runs));
  EXPECT_NE(md.find("| other subjects (2, 10 questions) | 40.0% (n=10) |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("Subjects with at least 7 questions in the run"), std::string::npos);
}

// Ten questions, no errors. Right answers: S1 q0..q3; S2 q0, q2..q7; S4
// q0..q8; S3 (santext+, eps 1) q2..q8. By hand, b = baseline right and
// condition wrong, c = the reverse, p = min(1, 2 P(X <= min(b, c))):
//   S2 vs S1: b = {q1}, c = {q4..q7}: n 5, p = 2 * 6/32 = 0.375, mid-p 7/32
//   S4 vs S1: b = 0, c = {q4..q8}: p = 2/32 = 0.0625
//   S4 vs S2: b = 0, c = {q1, q8}: p = 2/4 = 0.5
//   S3 vs S1: b = {q0, q1}, c = {q4..q8}: p = 2 * 29/128 = 0.453125
//   S3 vs S2: b = {q0}, c = {q8}: p = 1
//   S3 vs S4: b = {q0, q1}, c = 0: p = 0.5
// Holm, m = 6, ascending 0.0625, 0.375, 0.453125, 0.5, 0.5, 1:
//   6 * 0.0625 = 0.375, then 5 * 0.375 > 1: every other is 1.
// BH: 6p/rank = 0.375, 1.125, 0.90625, 0.75, 0.6, 1; minima from the top:
//   1, 0.6, 0.6, 0.6, 0.6, 0.375 -> S4 vs S1 0.375, S3 vs S2 (p = 1) 1,
//   every other 0.6.
RunData four_scenarios(const std::vector<int>& s1_right = {0, 1, 2, 3}) {
  RunData run;
  run.label = "four";
  run.record.config = nlohmann::json::parse(
      R"({"seed": 3, "mechanisms": [{"name": "santext+", "params": {}}], "epsilons": [1.0]})");
  const auto in = [](const std::vector<int>& v, int i) {
    return std::find(v.begin(), v.end(), i) != v.end();
  };
  for (int i = 0; i < 10; ++i) {
    const std::string id = "q" + std::to_string(i);
    run.cells.push_back(cell(id, Scenario::kLocal, in(s1_right, i)));
    run.cells.push_back(cell(id, Scenario::kRemoteCot, i == 0 || (i >= 2 && i <= 7)));
    run.cells.push_back(cell(id, Scenario::kRemote, i <= 8));
    run.cells.push_back(cell(id, Scenario::kPrivateCot, i >= 2 && i <= 8, "santext+", 1));
  }
  return run;
}

TEST(BuildReport, PairedTestsOfEveryScenarioPairWithHolmAndBh) {
  auto report = build_report(four_scenarios(), {"", false, 200});
  ASSERT_TRUE(report.ok()) << report.error().message();
  const Group s1{Scenario::kLocal}, s2{Scenario::kRemoteCot}, s4{Scenario::kRemote},
      s3{Scenario::kPrivateCot, "santext+", 1};
  const struct {
    Group condition, baseline;
    size_t b, c;
    double p, holm, bh;
  } expected[] = {{s2, s1, 1, 4, 0.375, 1, 0.6}, {s4, s1, 0, 5, 0.0625, 0.375, 0.375},
                  {s4, s2, 0, 2, 0.5, 1, 0.6},   {s3, s1, 2, 5, 0.453125, 1, 0.6},
                  {s3, s2, 1, 1, 1, 1, 1},       {s3, s4, 2, 0, 0.5, 1, 0.6}};
  ASSERT_EQ(report->paired.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    const PairedComparison& p = report->paired[i];
    const auto& e = expected[i];
    SCOPED_TRACE(group_name(p.condition) + " vs " + group_name(p.baseline));
    EXPECT_EQ(p.condition, e.condition);
    EXPECT_EQ(p.baseline, e.baseline);
    EXPECT_EQ(p.pairs, 10u);
    EXPECT_EQ(p.test.b, e.b);
    EXPECT_EQ(p.test.c, e.c);
    EXPECT_NEAR(p.test.p_value, e.p, 1e-12);
    EXPECT_NEAR(p.holm_p, e.holm, 1e-12);
    EXPECT_NEAR(p.bh_q, e.bh, 1e-12);
    EXPECT_EQ(p.family_size, 6u);
  }
  EXPECT_NEAR(report->paired[0].test.mid_p, 7.0 / 32.0, 1e-12);
  EXPECT_NEAR(report->paired[0].condition_accuracy - report->paired[0].baseline_accuracy, 0.3,
              1e-12);

  // The table states the family and shows both adjusted values.
  const std::vector<RunReport> runs{*report};
  const std::string md = render_markdown(report_title(runs), report_sections(runs));
  EXPECT_NE(md.find("over the m = 6 tests of this table"), std::string::npos) << md;
  EXPECT_NE(md.find("| remote (S4) | local (S1) | 10 | 40.0% | 90.0% | +50.0 pp |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| 0 | 5 | exact | 0.000 | 0.0625 | 0.0312 | 0.3750 | 0.3750 |"),
            std::string::npos)
      << md;
}

// Run 2 differs from run 1 in S1 only: right on q0..q7 instead of q0..q3,
// so S1 has b = 0, c = {q4..q7}: p = 2/16 = 0.125, mid-p = 1/16; the other
// three groups agree (p = 1). Holm over m = 4: 4 * 0.125 = 0.5; BH: 0.5.
TEST(CompareRuns, PairedDifferencePerGroupOnSharedQuestions) {
  auto first = build_report(four_scenarios(), {"", false, 200});
  RunData second_run = four_scenarios({0, 1, 2, 3, 4, 5, 6, 7});
  // Run 2 lacks q9's S1: S1 pairs on 9 shared questions.
  second_run.cells.erase(second_run.cells.begin() + 36);
  auto second = build_report(second_run, {"", false, 200});
  ASSERT_TRUE(first.ok() && second.ok());
  const std::vector<RunReport> runs{*first, *second};
  const std::vector<RunComparison> c = compare_runs(runs);
  ASSERT_EQ(c.size(), 4u);
  const PairedComparison& s1 = c[0].paired;
  EXPECT_EQ(c[0].run, 1u);
  EXPECT_EQ(s1.baseline, Group{Scenario::kLocal});
  EXPECT_EQ(s1.pairs, 9u);
  EXPECT_EQ(s1.test.b, 0u);
  EXPECT_EQ(s1.test.c, 4u);
  EXPECT_NEAR(s1.test.p_value, 0.125, 1e-12);
  EXPECT_NEAR(s1.test.mid_p, 0.0625, 1e-12);
  EXPECT_NEAR(s1.holm_p, 0.5, 1e-12);
  EXPECT_NEAR(s1.bh_q, 0.5, 1e-12);
  EXPECT_NEAR(s1.condition_accuracy - s1.baseline_accuracy, 4.0 / 9.0, 1e-12);
  EXPECT_GT(s1.difference.low, 0.0);  // every discordant pair favours run 2
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(c[i].paired.pairs, 10u);
    EXPECT_EQ(c[i].paired.test.b + c[i].paired.test.c, 0u);
    EXPECT_DOUBLE_EQ(c[i].paired.holm_p, 1.0);
    EXPECT_EQ(c[i].paired.difference.low, 0.0);
    EXPECT_EQ(c[i].paired.difference.high, 0.0);
  }
  bool found = false;
  for (const auto& t : data_tables(runs)) {
    if (t.name != "run_comparison") continue;
    found = true;
    ASSERT_EQ(t.rows.size(), 4u);
    const auto value = [&](const std::string& column) {
      const auto at = std::find(t.columns.begin(), t.columns.end(), column) - t.columns.begin();
      return t.rows[0].at(static_cast<size_t>(at));
    };
    EXPECT_EQ(value("run"), "four");
    EXPECT_EQ(value("baseline_run"), "four");
    EXPECT_EQ(value("simulated"), false);
    EXPECT_EQ(value("scenario"), "S1");
    EXPECT_TRUE(value("eps").is_null());  // S1 has none
    EXPECT_EQ(value("c"), 4);
    EXPECT_DOUBLE_EQ(value("holm_p").get<double>(), 0.5);
  }
  EXPECT_TRUE(found);
  const std::vector<DataTable> one_run = data_tables({*first});
  EXPECT_TRUE(std::none_of(one_run.begin(), one_run.end(),
                           [](const DataTable& t) { return t.name == "run_comparison"; }));
}

TEST(BuildReport, PrivacyOfTheStoredTextsWithoutEmbeddings) {
  ReportOptions options;
  options.embeddings = "/nonexistent/embeddings.json";
  auto report = build_report(ten_questions(), options);
  ASSERT_TRUE(report.ok()) << report.error().message();
  ASSERT_EQ(report->privacy.size(), 2u);
  const PrivacyStat& original = report->privacy[0];
  EXPECT_EQ(original.mechanism, "original");
  EXPECT_EQ(original.texts, 10u);
  EXPECT_EQ(original.reidentified, 10u);
  const PrivacyStat& santext = report->privacy[1];
  EXPECT_EQ(santext.texts, 9u);  // the failed cell sent nothing
  EXPECT_EQ(santext.reidentified, 0u);
  EXPECT_DOUBLE_EQ(santext.words_changed, 1.0);
  EXPECT_FALSE(santext.cosine.has_value());
  // The missing embeddings are reported, not fatal.
  ASSERT_FALSE(report->notes.empty());
  EXPECT_NE(report->notes[0].find("cosine"), std::string::npos);
}

TEST(BuildReport, PrivacyOfALargerRunMeasuresTheQuestionsWhoseIdsHashLowest) {
  ReportOptions options;
  options.embeddings = "/nonexistent/embeddings.json";
  options.privacy_questions = 4;
  const RunData run = ten_questions();
  auto report = build_report(run, options);
  ASSERT_TRUE(report.ok()) << report.error().message();
  // The sample as docs/reports.md states it: the 4 ids of lowest XXH3 hash.
  std::vector<std::pair<uint64_t, std::string>> hashed;
  for (const Question& q : run.corpus)
    hashed.emplace_back(XXH3_64bits(q.id.data(), q.id.size()), q.id);
  std::sort(hashed.begin(), hashed.end());
  size_t sanitized = 0;  // of the sample, cells that sent a text (q9's failed)
  for (size_t i = 0; i < 4; ++i)
    sanitized += hashed[i].second != "q9";
  ASSERT_EQ(report->privacy.size(), 2u);
  EXPECT_EQ(report->privacy[0].texts, 4u);
  EXPECT_EQ(report->privacy[0].reidentified, 4u);
  EXPECT_EQ(report->privacy[1].texts, sanitized);
  EXPECT_EQ(report->questions, 10u);  // accuracy still counts every question
  EXPECT_EQ(report->accuracy.front().n, 10u);
  const bool noted =
      std::any_of(report->notes.begin(), report->notes.end(), [](const std::string& n) {
        return n.find("sample of 4 of the run's 10 questions") != std::string::npos;
      });
  EXPECT_TRUE(noted);

  options.privacy_questions = 0;  // every text
  report = build_report(run, options);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->privacy[0].texts, 10u);
  EXPECT_EQ(report->privacy[1].texts, 9u);
}

TEST(Render, EveryFormatCarriesTheSimulatedTitle) {
  auto report = build_report(ten_questions(), {"", false, 200});
  ASSERT_TRUE(report.ok());
  const std::vector<RunReport> runs{*report};
  const std::string title = report_title(runs);
  ASSERT_EQ(title, "SIMULATED privqa report: demo");
  const auto sections = report_sections(runs);
  EXPECT_EQ(render_markdown(title, sections).rfind("# SIMULATED privqa report: demo\n", 0), 0u);
  EXPECT_NE(render_html(title, sections).find("<title>SIMULATED privqa report: demo</title>"),
            std::string::npos);
  const auto tables = data_tables(runs);
  EXPECT_NE(render_json(title, runs, tables).find("\"title\": \"SIMULATED privqa report: demo\""),
            std::string::npos);
  // A CSV has no title: its header comes first, its column "simulated" says it.
  for (const auto& t : tables) {
    const std::string csv = render_csv(t);
    EXPECT_EQ(csv.rfind("run,simulated,", 0), 0u) << t.name;
    if (!t.rows.empty()) {
      EXPECT_NE(csv.find("\ndemo,true,"), std::string::npos) << t.name << csv;
    }
  }
}

// A seed drawn from the OS stays in the store: no format shows it, the
// header says it was drawn, and a fixed seed is shown as it is.
TEST(Render, ASeedFromTheOsAppearsInNoFormat) {
  RunData run = ten_questions();
  run.record.config["seed"] = "os";
  run.record.secret_seed = 8070450532247928832u;
  auto report = build_report(run, {"", false, 200});
  ASSERT_TRUE(report.ok()) << report.error().message();
  const std::vector<RunReport> runs{*report};
  const std::string title = report_title(runs);
  const auto sections = report_sections(runs);
  const auto tables = data_tables(runs);
  std::vector<std::string> outputs = {render_markdown(title, sections),
                                      render_html(title, sections),
                                      render_json(title, runs, tables)};
  for (const auto& t : tables)
    outputs.push_back(render_csv(t));
  for (const auto& out : outputs)
    EXPECT_EQ(out.find("8070450532247928832"), std::string::npos) << out.substr(0, 400);
  EXPECT_NE(outputs[0].find("Seed drawn from the OS (kept secret)."), std::string::npos);
  EXPECT_NE(outputs[2].find("\"seed\": \"os\""), std::string::npos);

  auto fixed = build_report(ten_questions(), {"", false, 200});
  ASSERT_TRUE(fixed.ok());
  EXPECT_NE(render_markdown(title, report_sections({*fixed})).find("Seed 3."), std::string::npos);
}

// Hedge copies and cache errors, summed over sessions, reach the provider
// table of every format.
TEST(Render, ProviderTableShowsHedgesAndCacheErrors) {
  auto report = build_report(ten_questions(), {"", false, 200});
  ASSERT_TRUE(report.ok());
  const std::vector<RunReport> runs{*report};
  const std::string md = render_markdown(report_title(runs), report_sections(runs));
  const auto header = md.find("| provider | role | model |");
  ASSERT_NE(header, std::string::npos) << md;
  EXPECT_NE(md.find("| retries | hedges | rate-limited (429) | failures | cache errors |", header),
            std::string::npos);
  // r: 0 calls, 0 requests, 0 cache hits, 0 retries, 7 hedges, 2 rate-limited, 0 failures,
  // 1 cache error.
  EXPECT_NE(md.find("| r | remote | m2 | 0 | 0 | 0 | 0 | 7 | 2 | 0 | 1 | 270 | 0 | $1.0000 |"),
            std::string::npos)
      << md.substr(header, 800);

  for (const auto& t : data_tables(runs)) {
    if (t.name != "providers") continue;
    const auto column = [&](const std::string& name) {
      return static_cast<size_t>(std::find(t.columns.begin(), t.columns.end(), name) -
                                 t.columns.begin());
    };
    ASSERT_LT(column("hedges"), t.columns.size());
    ASSERT_LT(column("cache_errors"), t.columns.size());
    ASSERT_EQ(t.rows.size(), 2u);
    EXPECT_EQ(t.rows[1][column("provider")], "r");
    EXPECT_EQ(t.rows[1][column("hedges")], 7);
    EXPECT_EQ(t.rows[1][column("cache_errors")], 1);
    EXPECT_EQ(t.rows[0][column("hedges")], 0);
    return;
  }
  FAIL() << "no providers table";
}

TEST(BuildReport, PrivacyBudgetPerTextFromTheCellsRecords) {
  // santext+ at eps 1: q<i> recorded i sampled tokens, eps i (q9 failed
  // without a text). Mean per text over q0..q8: 36 / 9 = 4 eps, 4 tokens.
  // phrasedp at eps 2 on q0, q1: not DP, never a number. santext at eps 1
  // on q0: a cell stored before the accounting.
  RunData run = ten_questions();
  run.record.config["mechanisms"] = nlohmann::json::parse(
      R"([{"name": "santext+", "kind": "santext+"}, {"name": "santext", "kind": "santext"},
          {"name": "phrasedp", "kind": "phrasedp"}])");
  for (auto& c : run.cells) {
    if (c.key.scenario != Scenario::kPrivateCot) continue;
    const auto i = static_cast<size_t>(std::stoi(c.key.question_id.substr(1)));
    c.details = nlohmann::json{{"mechanism",
                                {{"words", 10},
                                 {"sampled", i},
                                 {"eps_per_token", 1.0},
                                 {"eps_spent", static_cast<double>(i)}}}}
                    .dump();
  }
  for (int i = 0; i < 2; ++i) {
    CellResult phrase = cell("q" + std::to_string(i), Scenario::kPrivateCot, true, "phrasedp", 2);
    phrase.details = R"({"mechanism": {"selected": 0}})";
    run.cells.push_back(phrase);
  }
  run.cells.push_back(cell("q0", Scenario::kPrivateCot, true, "santext", 1));
  auto report = build_report(run, {"", false, 200});
  ASSERT_TRUE(report.ok()) << report.error().message();
  ASSERT_EQ(report->budget.size(), 3u);
  const BudgetStat& plus = report->budget[0];
  EXPECT_EQ(plus.mechanism, "santext+");
  EXPECT_EQ(plus.texts, 9u);
  EXPECT_EQ(plus.recorded, 9u);
  EXPECT_DOUBLE_EQ(plus.eps_per_text, 4.0);
  EXPECT_DOUBLE_EQ(plus.sampled_per_text, 4.0);
  EXPECT_EQ(plus.eps_per_token, 1.0);
  EXPECT_TRUE(plus.dp);
  EXPECT_EQ(report->budget[1].mechanism, "santext");
  EXPECT_EQ(report->budget[1].recorded, 0u);
  EXPECT_EQ(report->budget[2].mechanism, "phrasedp");
  EXPECT_FALSE(report->budget[2].dp);
  EXPECT_EQ(report->budget[2].texts, 2u);

  const std::vector<RunReport> runs{*report};
  const std::string md = render_markdown(report_title(runs), report_sections(runs));
  EXPECT_NE(md.find("| santext+ | 1 | 9 | 4.0 | 1 | 4 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| santext | 1 | 1 | not recorded | not recorded | not recorded |"),
            std::string::npos);
  EXPECT_NE(md.find("| phrasedp | 2 | 2 | - | none (not DP) | none (not DP) |"), std::string::npos);
  for (const auto& t : data_tables(runs)) {
    if (t.name != "privacy_budget") continue;
    const auto column = [&](const std::string& name) {
      return static_cast<size_t>(std::find(t.columns.begin(), t.columns.end(), name) -
                                 t.columns.begin());
    };
    ASSERT_EQ(t.rows.size(), 3u);
    EXPECT_EQ(t.rows[0][column("eps_per_text")], 4.0);
    EXPECT_EQ(t.rows[0][column("eps_per_token")], 1.0);
    EXPECT_TRUE(t.rows[1][column("eps_per_text")].is_null());
    EXPECT_EQ(t.rows[2][column("eps_per_text")], "none (not DP)");
    EXPECT_EQ(t.rows[2][column("eps_per_token")], "none (not DP)");
    return;
  }
  FAIL() << "no privacy_budget table";
}

TEST(Render, CsvQuotesAndMarkdownEscapes) {
  DataTable t{"t", {"a", "b"}, {{"x,y", "say \"hi\""}, {nullptr, 1.5}}};
  EXPECT_EQ(render_csv(t), "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n,1.5\n");
  Section s{"H", {}, {}, {{"title", {"c|d"}, {{"<b>"}}, ""}}};
  EXPECT_NE(render_markdown("T", {s}).find("| c\\|d |"), std::string::npos);
  EXPECT_NE(render_html("T", {s}).find("<td>&lt;b&gt;</td>"), std::string::npos);
}

TEST(Render, HtmlCellsWithALinkAreAnchorsAndTheOthersText) {
  DisplayTable t{"t", {"a", "b"}, {{"1", "2"}, {"3", "4"}}, "", {{"", "x.html#p=1&q=2"}}};
  const std::string html = render_html("T", {Section{"H", {}, {}, {t}}});
  EXPECT_NE(html.find("<td>1</td><td><a href=\"x.html#p=1&amp;q=2\">2</a></td>"), std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>3</td><td>4</td>"), std::string::npos) << html;
  EXPECT_EQ(render_markdown("T", {Section{"H", {}, {}, {t}}}).find("href"), std::string::npos);
}

}  // namespace
}  // namespace privqa::report
