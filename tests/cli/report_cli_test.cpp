// `privqa report` end to end: a run against the simulated provider (on the
// bundled sample, and on MedMCQA when present), then the report's files, its
// privacy metrics, and the HTML in Chromium.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/cli_testing.h"
#include "cli/png_image.h"
#include "cli/report_run.h"
#include "testing.h"

namespace privqa {
namespace {

using nlohmann::json;
using testing::ChildProcess;
using testing::run_command;
using testing::TempDir;
using testing::write_text;

using cli_testing::kBinary;

using cli_testing::slurp;

// One simulated run per EngineData, shared with the explorer's tests
// (cli/report_run.h).
class ReportCli : public ::testing::TestWithParam<testing::EngineData> {
 protected:
  ReportCli() : questions_(GetParam().questions_for(120)) {}

  void SetUp() override {
    std::filesystem::path& store = stores_[GetParam().name];
    if (store.empty()) cli_testing::shared_report_run(GetParam(), questions_, store);
    ASSERT_FALSE(store.empty()) << "the simulated run failed";
    store_ = store;
  }

  static inline std::map<std::string, std::filesystem::path> stores_;
  const int questions_;
  std::filesystem::path store_;
  TempDir out_;
};

json report_json(const std::filesystem::path& dir) {
  return json::parse(slurp(dir / "report.json"));
}

TEST_P(ReportCli, WritesEveryFormatWithSimulatedInEachTitle) {
  const auto r =
      run_command(kBinary + " report " + store_.string() + " --out " + out_.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("report written to " + (out_ / "report.html").string() + " (SIMULATED)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(slurp(out_ / "report.md").rfind("# SIMULATED privqa report: run", 0), 0u);
  EXPECT_NE(slurp(out_ / "report.html").find("<title>SIMULATED privqa report: run</title>"),
            std::string::npos);
  for (const char* svg : {"accuracy_vs_eps.svg", "frontier.svg"}) {
    EXPECT_NE(slurp(out_ / svg).find("<title>SIMULATED "), std::string::npos) << svg;
  }
  for (const char* csv :
       {"accuracy", "paired_tests", "subjects", "privacy", "providers", "usage"}) {
    const std::string text = slurp(out_ / (std::string(csv) + ".csv"));
    EXPECT_EQ(text.rfind("run,simulated,", 0), 0u) << csv;
    EXPECT_NE(text.find("\nrun,true,"), std::string::npos) << csv;
  }
  const json j = report_json(out_.path());
  EXPECT_EQ(j["title"], "SIMULATED privqa report: run");
  EXPECT_TRUE(j["simulated"].get<bool>());

  // The main table: one row per eps, columns in the original study's order.
  const std::string md = slurp(out_ / "report.md");
  EXPECT_NE(
      md.find("| eps | local (S1) | non-private CoT (S2) | santext+ | inferdpt | remote (S4) |"),
      std::string::npos)
      << md.substr(0, 3000);
  for (const char* row : {"\n| 1 | ", "\n| 2 | ", "\n| 3 | "})
    EXPECT_NE(md.find(row), std::string::npos) << row;

  // Accuracy rows: n + errors covers every question; the interval holds the estimate.
  size_t s3_rows = 0;
  for (const auto& row : j["tables"]["accuracy"]) {
    EXPECT_EQ(row["n"].get<size_t>() + row["errors"].get<size_t>(),
              static_cast<size_t>(questions_));
    EXPECT_LE(row["ci_low"].get<double>(), row["accuracy"].get<double>());
    EXPECT_GE(row["ci_high"].get<double>(), row["accuracy"].get<double>());
    s3_rows += row["scenario"] == "S3";
  }
  EXPECT_EQ(s3_rows, 6u);
  // S2 vs S1, S4 vs S1 and S2, each of the 6 S3 cells vs S1, S2 and S4: one
  // family of 21, each adjusted value at least the raw p.
  EXPECT_EQ(j["tables"]["paired_tests"].size(), 21u);
  for (const auto& row : j["tables"]["paired_tests"]) {
    const size_t discordant = row["b"].get<size_t>() + row["c"].get<size_t>();
    EXPECT_EQ(row["test"], discordant < 25 ? "exact" : "chi2-cc");
    EXPECT_EQ(row["family_size"], 21);
    EXPECT_GE(row["holm_p"].get<double>(), row["p_value"].get<double>());
    EXPECT_GE(row["bh_q"].get<double>(), row["p_value"].get<double>());
    EXPECT_LE(row["bh_q"].get<double>(), row["holm_p"].get<double>());
    EXPECT_LE(row["difference_ci_low"].get<double>(), row["difference"].get<double>() + 1e-9);
    EXPECT_GE(row["difference_ci_high"].get<double>(), row["difference"].get<double>() - 1e-9);
  }
  // Per subject: the subjects' n add up to the scenario's n.
  std::map<std::string, size_t> subject_n;
  for (const auto& row : j["tables"]["subjects"]) {
    if (row["scenario"] == "S1") subject_n["S1"] += row["n"].get<size_t>();
  }
  EXPECT_EQ(subject_n["S1"] + j["tables"]["accuracy"][0]["errors"].get<size_t>(),
            static_cast<size_t>(questions_));
  // Cost: both providers, with the simulator's token counts.
  ASSERT_EQ(j["tables"]["providers"].size(), 2u);
  for (const auto& row : j["tables"]["providers"]) {
    EXPECT_GT(row["tokens_in"].get<long long>(), 0);
    // Hedge copies are among the requests; the run's cache worked throughout.
    ASSERT_TRUE(row.contains("hedges")) << row.dump();
    EXPECT_LE(row["hedges"].get<long long>(), row["requests"].get<long long>());
    EXPECT_EQ(row["cache_errors"], 0) << row.dump();
  }
}

// Re-identification: every unsanitized question retrieves itself; sanitized
// texts do so less often, and less often still at smaller eps.
TEST_P(ReportCli, ReidentificationIsCompleteOnOriginalsAndFallsWithEps) {
  const auto r = run_command(kBinary + " report " + store_.string() + " --format json --out " +
                             out_.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::map<std::string, std::map<double, json>> privacy;
  const json report = report_json(out_.path());
  for (const auto& row : report["tables"]["privacy"]) {
    privacy[row["mechanism"]][row["eps"].is_null() ? 0.0 : row["eps"].get<double>()] = row;
  }
  const json& original = privacy["original"][0.0];
  EXPECT_EQ(original["texts"], questions_);
  EXPECT_EQ(original["reidentification_rate"], 1.0);
  EXPECT_EQ(original["words_changed"], 0.0);
  EXPECT_NEAR(original["cosine"].get<double>(), 1.0, 1e-5);
  // A text is re-identified among every question of its file. Among a few
  // dozen, one rare word kept is enough, so rates reach 1 by eps 2, and one
  // question moves a rate by over 3 points: the checks of each eps on its
  // own need a file of thousands (MedMCQA dev).
  const bool per_eps_checks = GetParam().available >= 1000;
  for (const char* m : {"santext+", "inferdpt"}) {
    ASSERT_EQ(privacy[m].size(), 3u) << m;
    double previous = -1;
    for (const auto& [eps, row] : privacy[m]) {
      EXPECT_EQ(row["texts"], questions_) << m << " " << eps;
      const double rate = row["reidentification_rate"].get<double>();
      if (per_eps_checks) {
        EXPECT_LT(rate, 1.0) << m << " eps " << eps;
        EXPECT_GE(rate, previous) << m << " eps " << eps;
      }
      EXPECT_GT(row["words_changed"].get<double>(), 0.0) << m << " eps " << eps;
      previous = rate;
    }
    EXPECT_LT(privacy[m][1.0]["reidentification_rate"].get<double>(),
              privacy[m][3.0]["reidentification_rate"].get<double>())
        << m;
    EXPECT_LT(privacy[m][1.0]["cosine"].get<double>(), privacy[m][3.0]["cosine"].get<double>())
        << m;
  }
}

TEST_P(ReportCli, TwoRunsSideBySide) {
  const auto r = run_command(kBinary + " report " + store_.string() + " " + store_.string() +
                             " --format md --no-privacy --out " + out_.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string md = slurp(out_ / "report.md");
  EXPECT_EQ(md.rfind("# SIMULATED privqa comparison: run vs run", 0), 0u);
  EXPECT_NE(md.find("| scenario | mechanism | eps | run 1 | run 2 | run 2 - run 1 |"),
            std::string::npos);
  // The same store twice: every difference is zero, and every paired test
  // finds no discordant pair.
  EXPECT_NE(md.find("+0.0 pp"), std::string::npos);
  EXPECT_NE(md.find("Paired differences against run 1"), std::string::npos);
  const std::string comparison = md.substr(0, md.find("## Run 1 ("));
  EXPECT_NE(comparison.find("| run 2 | local (S1) | "), std::string::npos) << comparison;
  EXPECT_EQ(comparison.find("| exact | 0.000 | 0.0"), std::string::npos) << comparison;
  EXPECT_EQ(md.find("-0.0 pp |"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(out_ / "run1_accuracy_vs_eps.svg"));
  EXPECT_TRUE(std::filesystem::exists(out_ / "run2_accuracy_vs_eps.svg"));
}

// Every CSV the report (one run and two) and the export write, read by
// pandas.read_csv with its defaults (tests/cli/read_csv_with_pandas.py).
// pandas is a test dependency that scripts/setup.sh installs: without it this
// test fails rather than skips.
TEST_P(ReportCli, EveryCsvReadsWithPandasDefaults) {
  const auto one = run_command(kBinary + " report " + store_.string() +
                               " --format csv --no-privacy --out " + (out_ / "one").string());
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto two = run_command(kBinary + " report " + store_.string() + " " + store_.string() +
                               " --format csv --no-privacy --out " + (out_ / "two").string());
  ASSERT_EQ(two.exit_code, 0) << two.err;
  std::string files;
  for (const auto* dir : {"one", "two"}) {
    for (const auto& f : std::filesystem::directory_iterator(out_ / dir))
      files += " " + f.path().string();
  }
  const std::pair<const char*, const char*> exports[] = {{"", "cells.csv"},
                                                         {" --no-timing", "cells_no_timing.csv"},
                                                         {" --details", "cells_details.csv"}};
  for (const auto& [flags, name] : exports) {
    const auto r = run_command(kBinary + " export " + store_.string() + " --format csv" + flags +
                               " --out " + (out_ / name).string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    files += " " + (out_ / name).string();
  }
  // Debian's interpreter, for which scripts/setup.sh installs python3-pandas
  // (a python3 earlier in PATH, such as pyenv's, may not have it).
  const auto read = run_command("/usr/bin/python3 " + std::string(build_info::kSourceDir) +
                                "/tests/cli/read_csv_with_pandas.py" + files);
  ASSERT_EQ(read.exit_code, 0) << read.out << read.err;
  // Rows as pandas counts them: 9 cells a question (S1, S2, S4, 2 mechanisms
  // x 3 eps); 21 paired tests a run (S2 vs S1, S4 vs S1 and S2, 6 S3 groups
  // vs S1, S2 and S4); 9 groups compared across the two runs.
  const std::string cells = std::to_string(questions_ * 9);
  for (const std::string& line :
       {"cells.csv " + cells, "cells_no_timing.csv " + cells, "cells_details.csv " + cells,
        std::string("paired_tests.csv 21"), std::string("paired_tests.csv 42"),
        std::string("run_comparison.csv 9")}) {
    EXPECT_NE(read.out.find(line + "\n"), std::string::npos) << line << "\n" << read.out;
  }
}

// Each exported cell names its run, models and subject; eps is null outside
// S3; its calls' time with the provider and waiting for admission fit in its
// latency; --no-timing leaves out what depends on how the run went.
TEST_P(ReportCli, ExportNamesRunModelsAndSubjectAndSplitsTheTime) {
  const auto report = run_command(kBinary + " report " + store_.string() +
                                  " --format json --no-privacy --out " + out_.path().string());
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const std::string fingerprint = report_json(out_.path())["runs"][0]["fingerprint"];
  const auto r = run_command(kBinary + " export " + store_.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  size_t cells = 0;
  for (std::string line; std::getline(lines, line); ++cells) {
    const json c = json::parse(line);
    EXPECT_EQ(c["run_id"], fingerprint);
    EXPECT_EQ(c["simulated"], true);
    EXPECT_EQ(c["local_model"], "sim-local");
    EXPECT_EQ(c["remote_model"], "sim-remote");
    EXPECT_FALSE(c["subject"].get<std::string>().empty()) << line;
    EXPECT_EQ(c["eps"].is_null(), c["scenario"] != "S3") << line;
    // santext+ and inferdpt: eps per sampled token, at most one per word.
    EXPECT_EQ(c["eps_spent"].is_number(), c["scenario"] == "S3") << line;
    if (c["eps_spent"].is_number()) {
      const double tokens = c["eps_spent"].get<double>() / c["eps"].get<double>();
      EXPECT_NEAR(tokens, std::round(tokens), 1e-9) << line;
      EXPECT_GE(tokens, 0.0);
    }
    const double provider = c["provider_seconds"].get<double>();
    const double admission = c["admission_seconds"].get<double>();
    EXPECT_GE(provider, 0.0);
    EXPECT_GE(admission, 0.0);
    EXPECT_LE(provider + admission, c["latency"].get<double>() + 1e-6) << line;
    EXPECT_GE(c["cost"].get<double>(), 0.0);
  }
  EXPECT_EQ(cells, static_cast<size_t>(questions_) * 9);
  const auto no_timing = run_command(kBinary + " export --no-timing " + store_.string());
  ASSERT_EQ(no_timing.exit_code, 0) << no_timing.err;
  const json first = json::parse(no_timing.out.substr(0, no_timing.out.find('\n')));
  for (const char* key : {"attempts", "latency", "provider_seconds", "admission_seconds", "cost"})
    EXPECT_FALSE(first.contains(key)) << key;
}

TEST_P(ReportCli, BadInputIsRefusedAndNothingIsWritten) {
  const auto missing = run_command(kBinary + " report " + (out_ / "none.db").string() + " --out " +
                                   (out_ / "r").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("none.db"), std::string::npos) << missing.err;
  const auto format = run_command(kBinary + " report " + store_.string() + " --format pdf --out " +
                                  (out_ / "r").string());
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_NE(format.err.find("unknown format 'pdf'"), std::string::npos) << format.err;
  EXPECT_FALSE(std::filesystem::exists(out_ / "r"));
}

// Chromium with a profile of its own, offline, taking one screenshot of
// `url` at `width` x `height` into `png`.
testing::CommandResult chromium_screenshot(const std::string& url, const std::filesystem::path& png,
                                           int width, int height) {
  TempDir profile;
  return run_command(
      "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--enable-logging=stderr --v=0 --hide-scrollbars --user-data-dir=" +
      profile.path().string() + " --window-size=" + std::to_string(width) + "," +
      std::to_string(height) + " --screenshot=" + png.string() + " " + url);
}

TEST_P(ReportCli, HtmlOpensInHeadlessChromiumWithoutConsoleErrors) {
  if (run_command("command -v chromium").exit_code != 0) {
    GTEST_SKIP() << "chromium not installed (scripts/setup.sh installs Debian's chromium)";
  }
  const auto r = run_command(kBinary + " report " + store_.string() + " --format html --out " +
                             out_.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string html = slurp(out_ / "report.html");
  // Self-contained: no scripts and no resource fetched from anywhere.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  // Its only links open the explorer beside it (the paired tests' b and c).
  size_t links = 0;
  for (size_t at = html.find("href="); at != std::string::npos; at = html.find("href=", at + 1)) {
    EXPECT_EQ(html.compare(at, 20, "href=\"explorer.html#"), 0) << html.substr(at, 80);
    ++links;
  }
  EXPECT_GT(links, 0u);

  const auto png = out_ / "report.png";
  const auto shot =
      chromium_screenshot("file://" + (out_ / "report.html").string(), png, 1200, 1400);
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  // Page console messages are logged as "CONSOLE(line)"; a clean page logs none.
  EXPECT_EQ(shot.err.find("CONSOLE"), std::string::npos) << shot.err;
  const std::string image = slurp(png);
  const auto decoded = cli_testing::decode_png(image);
  ASSERT_TRUE(decoded) << "not an 8-bit RGB(A) PNG: " << png;
  EXPECT_EQ(decoded->width, 1200u);
  EXPECT_EQ(decoded->height, 1400u);
  // A blank 1200 x 1400 page compresses to a few kB; text, tables and the
  // figure make it far larger.
  EXPECT_GT(image.size(), 40'000u);
  if (const char* keep = std::getenv("PRIVQA_KEEP_SCREENSHOT")) {
    std::filesystem::copy_file(png, keep, std::filesystem::copy_options::overwrite_existing);
  }
}

// Pixels of `image` within 8 per channel of `color` (0xRRGGBB): the inside
// of a line or marker keeps its colour exactly, its anti-aliased edges not.
size_t pixels_near(const cli_testing::PngImage& image, uint32_t color) {
  const auto channel = [](uint32_t c, int shift) { return int((c >> shift) & 0xFF); };
  size_t n = 0;
  for (uint32_t p : image.rgb) {
    n += std::abs(channel(p, 16) - channel(color, 16)) <= 8 &&
         std::abs(channel(p, 8) - channel(color, 8)) <= 8 &&
         std::abs(channel(p, 0) - channel(color, 0)) <= 8;
  }
  return n;
}

// The accuracy figure and the frontier of the sample run as a person sees
// them: Chromium draws each SVG to a PNG, left with the SVG in
// report_figures/DATA/ of the build folder (build/asan/report_figures/sample/
// under make test) for anyone to open.
TEST_P(ReportCli, FiguresRenderInHeadlessChromiumToPngs) {
  if (run_command("command -v chromium").exit_code != 0) {
    GTEST_SKIP() << "chromium not installed (scripts/setup.sh installs Debian's chromium)";
  }
  const auto r = run_command(kBinary + " report " + store_.string() + " --format md --out " +
                             out_.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::filesystem::path keep =
      std::filesystem::path(kBinary).parent_path() / "report_figures" / GetParam().name;
  std::filesystem::create_directories(keep);
  for (const std::string name : {"accuracy_vs_eps", "frontier"}) {
    const std::filesystem::path svg = keep / (name + ".svg"), png = keep / (name + ".png");
    std::filesystem::copy_file(out_ / (name + ".svg"), svg,
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::remove(png);
    const std::string text = slurp(svg);
    const size_t width_at = text.find("width=\""), height_at = text.find("height=\"");
    ASSERT_NE(height_at, std::string::npos) << text.substr(0, 300);
    const int width = std::stoi(text.substr(width_at + 7)),
              height = std::stoi(text.substr(height_at + 8));
    const auto shot = chromium_screenshot("file://" + svg.string(), png, width, height);
    ASSERT_EQ(shot.exit_code, 0) << shot.err;
    const auto image = cli_testing::decode_png(slurp(png));
    ASSERT_TRUE(image) << "not an 8-bit RGB(A) PNG: " << png;
    EXPECT_EQ(image->width, uint32_t(width)) << name;
    EXPECT_EQ(image->height, uint32_t(height)) << name;
    // Not blank: text, lines and markers leave hundreds of shades
    // (anti-aliasing), and cover a good part of the picture but not all.
    std::set<uint32_t> colors(image->rgb.begin(), image->rgb.end());
    EXPECT_GT(colors.size(), 200u) << name;
    const double inked = 1.0 - double(pixels_near(*image, 0xFFFFFF)) / double(image->rgb.size());
    EXPECT_GT(inked, 0.03) << name;
    EXPECT_LT(inked, 0.6) << name;
    // Each mechanism drawn in its own colour (figures.h): santext+
    // reddish purple, inferdpt vermillion.
    EXPECT_GT(pixels_near(*image, 0xCC79A7), 30u) << name << ": santext+";
    EXPECT_GT(pixels_near(*image, 0xD55E00), 30u) << name << ": inferdpt";
    std::cout << "figure: " << png.string() << "\n";
  }
}

PRIVQA_INSTANTIATE_ENGINE_DATA(ReportCli);

}  // namespace
}  // namespace privqa
