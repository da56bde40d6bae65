// build_report on a hand-made run whose every count is known.
#include "privqa/report/run_report.h"

#include <gtest/gtest.h>

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
    q.subject = i < 5 ? "Anatomy" : "Surgery";
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
  auto report = build_report(ten_questions(), {"", false, 200});
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
  EXPECT_EQ(p.baseline, Scenario::kLocal);
  EXPECT_EQ(p.pairs, 9u);
  EXPECT_EQ(p.test.b, 2u);
  EXPECT_EQ(p.test.c, 5u);
  EXPECT_EQ(p.test.method, McNemarMethod::kExact);
  // P(X <= 2 | n = 7, 1/2) = (1 + 7 + 21) / 128; two-sided: 58 / 128.
  EXPECT_NEAR(p.test.p_value, 58.0 / 128.0, 1e-12);
  EXPECT_NEAR(p.private_accuracy - p.baseline_accuracy, 3.0 / 9.0, 1e-12);

  // Per subject: Anatomy = q0..q4, S1 right on q0..q3.
  ASSERT_FALSE(report->subjects.empty());
  EXPECT_EQ(report->subjects[0].subject, "Anatomy");
  EXPECT_EQ(report->subjects[0].stat.n, 5u);
  EXPECT_EQ(report->subjects[0].stat.correct, 4u);

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
  for (const auto& t : tables)
    EXPECT_EQ(render_csv(title, t).rfind("# SIMULATED privqa report: demo\n", 0), 0u) << t.name;
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
    outputs.push_back(render_csv(title, t));
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

TEST(Render, CsvQuotesAndMarkdownEscapes) {
  DataTable t{"t", {"a", "b"}, {{"x,y", "say \"hi\""}, {nullptr, 1.5}}};
  EXPECT_EQ(render_csv("T", t), "# T\na,b\n\"x,y\",\"say \"\"hi\"\"\"\n,1.5\n");
  Section s{"H", {}, {}, {{"title", {"c|d"}, {{"<b>"}}, ""}}};
  EXPECT_NE(render_markdown("T", {s}).find("| c\\|d |"), std::string::npos);
  EXPECT_NE(render_html("T", {s}).find("<td>&lt;b&gt;</td>"), std::string::npos);
}

}  // namespace
}  // namespace privqa::report
