// privqa report RUN [RUN2 ...]: accuracy with intervals, paired tests, privacy
// metrics, cost, figures; Markdown, HTML, JSON and CSV. With --offline-attacks
// it also runs the offline attacks (attack/report_stats.h) and hands their
// figures to the report.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <thread>

#include "privqa/attack/report_stats.h"
#include "privqa/cli/commands.h"
#include "privqa/cli/dataset_options.h"
#include "privqa/report/explorer.h"
#include "privqa/report/run_data.h"
#include "privqa/report/run_report.h"
#include "privqa/report/write_report.h"
#include "privqa/store/open_store.h"
#include "privqa/store/postgres_url.h"

namespace privqa::cli {

namespace {

struct ReportArgs {
  std::vector<std::string> runs;
  std::string out;
  std::string formats = "md,html,json,csv";
  std::string embeddings;
  bool no_privacy = false;
  bool offline_attacks = false;
  size_t min_subject_questions = report::ReportOptions{}.min_subject_questions;
  size_t privacy_questions = report::ReportOptions{}.privacy_questions;
  size_t explorer_inline_cells = report::ExplorerOptions{}.inline_cells;
  size_t explorer_questions = report::ExplorerOptions{}.text_questions;
  DatasetOptionArgs dataset;  // overrides how the runs recorded reading their question files
};

// Beside the first store (in the working folder for a database):
// LABEL-report, or LABEL-vs-LABEL2-report for several runs (store_label).
std::filesystem::path default_out(const std::vector<std::string>& runs) {
  std::string name = store_label(runs.front());
  for (size_t i = 1; i < runs.size(); ++i)
    name += "-vs-" + store_label(runs[i]);
  const std::filesystem::path beside = is_postgres_url(runs.front())
                                           ? std::filesystem::path()
                                           : std::filesystem::path(runs.front()).parent_path();
  return beside / (name + "-report");
}

int report(const ReportArgs& a) {
  auto formats = report::parse_formats(a.formats);
  if (!formats) {
    std::cerr << "privqa: " << formats.error().message() << "\n";
    return 2;
  }
  report::ReportOptions options;
  options.embeddings = a.embeddings;
  options.privacy = !a.no_privacy;
  options.min_subject_questions = a.min_subject_questions;
  options.privacy_questions = a.privacy_questions;
  std::optional<LoadOptions> dataset;
  if (a.dataset.given()) {
    auto given = dataset_load_options(a.dataset);
    if (!given) {
      std::cerr << "privqa: " << given.error().message() << "\n";
      return 2;
    }
    dataset = *given;
  }
  std::vector<report::RunData> runs;
  runs.reserve(a.runs.size());
  std::vector<report::RunReport> reports;
  for (const auto& path : a.runs) {
    // The texts stay in the store: the report reads those of a sample.
    auto run = report::load_run(path, dataset, report::CellTexts::kInStore);
    if (!run) {
      std::cerr << "privqa: " << run.error().message() << "\n";
      return 2;
    }
    runs.push_back(std::move(*run));
    auto built = report::build_report(runs.back(), options);
    if (!built) {
      std::cerr << "privqa: " << path << ": " << built.error().message() << "\n";
      return 1;
    }
    if (a.offline_attacks) {
      attack::AttackOptions attack_options;
      attack_options.threads = std::max(1u, std::thread::hardware_concurrency());
      auto stats = attack::attack_run(runs.back(), a.embeddings, attack_options);
      if (stats) {
        built->offline_attacks = std::move(*stats);
      } else {
        built->notes.push_back("offline attacks not computed: " + stats.error().message());
      }
    }
    for (const auto& note : built->notes)
      std::cerr << "privqa: " << path << ": " << note << "\n";
    reports.push_back(std::move(*built));
  }
  const std::filesystem::path out =
      a.out.empty() ? default_out(a.runs) : std::filesystem::path(a.out);
  auto written = report::write_report(reports, out, *formats);
  if (!written) {
    std::cerr << "privqa: " << written.error().message() << "\n";
    return 1;
  }
  // The explorer goes with the HTML: it is the page to open the cells from.
  if (formats->html) {
    auto explorer = report::write_explorer(
        runs, reports, out,
        {.inline_cells = a.explorer_inline_cells, .text_questions = a.explorer_questions});
    if (!explorer) {
      std::cerr << "privqa: " << explorer.error().message() << "\n";
      return 1;
    }
    written->push_back(*explorer);
  }
  bool simulated = false;
  for (const auto& r : reports)
    simulated = simulated || r.simulated;
  std::cout << fmt::format("report written to {}{}\n", written->front().string(),
                           simulated ? " (SIMULATED)" : "");
  for (size_t i = 1; i < written->size(); ++i)
    std::cout << "  " << (*written)[i].string() << "\n";
  return 0;
}

}  // namespace

void register_report_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Accuracy with intervals, paired tests, privacy metrics, cost and figures of runs");
  cmd->add_option("RUN", args->runs, "run stores; two or more are compared side by side")
      ->required()
      ->expected(1, -1);
  cmd->add_option("--out", args->out, "output directory (default: beside the first store)");
  cmd->add_option("--format", args->formats, "comma-separated: md, html, json, csv")
      ->capture_default_str();
  cmd->add_option("--embeddings", args->embeddings,
                  "embedding table for the cosine metric and the offline attacks (default: the "
                  "run's)");
  cmd->add_flag("--no-privacy", args->no_privacy, "skip the privacy metrics");
  cmd->add_flag("--offline-attacks", args->offline_attacks,
                "also compute the offline attacks of `privqa attack` (inversion, plausible "
                "deniability) for a section and a frontier against them; tens of seconds on a "
                "full dev-set run");
  cmd->add_option("--min-subject-questions", args->min_subject_questions,
                  "subjects with fewer questions are pooled in the per-subject table")
      ->capture_default_str();
  cmd->add_option(
         "--privacy-questions", args->privacy_questions,
         "the privacy metrics and the budget table measure the texts of a uniform sample of "
         "this many "
         "questions of a larger run (0: all)")
      ->capture_default_str();
  cmd->add_option("--explorer-inline-cells", args->explorer_inline_cells,
                  "with more cells than this, explorer.html loads the cells' texts from chunk "
                  "files beside it when a question is opened")
      ->capture_default_str();
  cmd->add_option("--explorer-questions", args->explorer_questions,
                  "with more questions than this, explorer.html keeps the cells' texts of a "
                  "uniform sample of this many (0: all); the table shows every cell's outcome")
      ->capture_default_str();
  args->dataset.format_flag = "--dataset-format";
  add_dataset_options(cmd, args->dataset,
                      "the runs' question file (default: as each run recorded reading it)");
  cmd->callback([args, &exit_code] { exit_code = report(*args); });
}

}  // namespace privqa::cli
