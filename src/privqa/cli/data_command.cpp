// privqa data inspect | validate: look at a question file before running on it.
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "privqa/cli/commands.h"
#include "privqa/cli/dataset_options.h"
#include "privqa/data/dataset.h"

namespace privqa::cli {

namespace {

struct DataArgs {
  std::string file;
  DatasetOptionArgs dataset;
  bool strict = false;
  bool json = false;
  // filters (inspect)
  std::string choice_type;
  std::vector<std::string> subjects;
  std::vector<std::string> ids;
  size_t first = 0;
  size_t sample = 0;
  uint64_t seed = 0;
};

void add_load_options(CLI::App* cmd, DataArgs& a) {
  cmd->add_option("FILE", a.file, "question file (JSONL, JSON array or object, or CSV)")
      ->required();
  add_dataset_options(cmd, a.dataset, "FILE");
}

Result<LoadOptions> load_options(const DataArgs& a) {
  auto o = dataset_load_options(a.dataset);
  if (!o) return o.error();
  o->strict = a.strict;
  o->setting_names.lenient = "without --strict";
  return o;
}

// "FILE: 9 of 10 records skipped: CAUSE" for a file that is probably read
// with the wrong settings (Dataset::mostly_skipped).
std::string mostly_skipped_message(const std::string& file, const Dataset& d) {
  std::string message =
      d.questions.empty()
          ? fmt::format("{}: no question loaded ({} records, all skipped)", file, d.records_read)
          : fmt::format("{}: {} of {} records skipped", file, d.problems.size(), d.records_read);
  if (!d.diagnosis.empty()) message += ": " + d.diagnosis;
  return message;
}

std::string percent(size_t part, size_t whole) {
  return whole == 0 ? "-"
                    : fmt::format("{:.1f}%",
                                  100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

int run_inspect(const DataArgs& a) {
  auto options = load_options(a);
  if (!options) {
    std::cerr << "privqa: " << options.error().message() << "\n";
    return 2;
  }
  auto dataset = load_dataset(a.file, *options);
  if (!dataset) {
    std::cerr << "privqa: " << dataset.error().message() << "\n";
    return 2;
  }
  QuestionFilter filter;
  filter.ids = a.ids;
  filter.choice_type = a.choice_type;
  filter.subjects = a.subjects;
  if (a.first > 0) filter.first_n = a.first;
  if (a.sample > 0) filter.sample_n = a.sample;
  filter.sample_seed = a.seed;
  auto questions = apply_filter(dataset->questions, filter);
  if (!questions) {
    std::cerr << "privqa: " << questions.error().message() << "\n";
    return 2;
  }

  std::map<std::string, size_t> answers, subjects, choice_types;
  size_t passages = 0;  // questions with a passage (mapping key context)
  for (const auto& q : *questions) {
    ++answers[q.labelled() ? std::string(1, q.answer_letter()) : "unlabelled"];
    ++subjects[q.subject.empty() ? "(none)" : q.subject];
    const auto& ct = q.meta_value("choice_type");
    if (!ct.empty()) ++choice_types[ct];
    passages += !q.context.empty();
  }
  const size_t n = questions->size();

  if (a.json) {
    nlohmann::json out;
    out["file"] = a.file;
    out["format"] = dataset_format_name(dataset->format);
    if (dataset->answer_base) out["answer_base"] = *dataset->answer_base;
    out["records_read"] = dataset->records_read;
    out["questions"] = n;
    out["skipped"] = dataset->skipped_by_reason();
    out["answers"] = answers;
    out["subjects"] = subjects;
    out["choice_types"] = choice_types;
    if (!options->mapping.context.empty()) out["passages"] = passages;
    for (const auto& [name, s] : dataset->fields) {
      out["fields"][name] = {{"present", s.present}, {"null", s.null}, {"empty", s.empty}};
    }
    out["mostly_skipped"] = dataset->mostly_skipped();
    if (!dataset->diagnosis.empty()) out["diagnosis"] = dataset->diagnosis;
    std::cout << out.dump(2) << "\n";
    if (!dataset->mostly_skipped()) return 0;
    std::cerr << "privqa: " << mostly_skipped_message(a.file, *dataset) << "\n";
    return 2;
  }

  std::cout << fmt::format("file        {}\n", a.file);
  std::cout << fmt::format("format      {}", dataset_format_name(dataset->format));
  if (dataset->answer_base) {
    std::cout << fmt::format(" ('cop' counts from {})", *dataset->answer_base);
  }
  std::cout << "\n";
  std::cout << fmt::format("records     {} read, {} loaded, {} skipped, {} selected\n",
                           dataset->records_read, dataset->questions.size(),
                           dataset->problems.size(), n);
  for (const auto& [reason, count] : dataset->skipped_by_reason()) {
    std::cout << fmt::format("  skipped   {:>6}  {}\n", count, reason);
  }
  if (!options->mapping.context.empty()) {
    std::cout << fmt::format("passages    {} of {} selected questions have one ('{}')\n", passages,
                             n, options->mapping.context);
  }
  std::cout << "answers\n";
  for (const auto& [letter, count] : answers) {
    std::cout << fmt::format("  {:<22}{:>6}  {:>6}\n", letter, count, percent(count, n));
  }
  if (!choice_types.empty()) {
    std::cout << "choice types\n";
    for (const auto& [type, count] : choice_types) {
      std::cout << fmt::format("  {:<22}{:>6}  {:>6}\n", type, count, percent(count, n));
    }
  }
  std::cout << fmt::format("subjects ({})\n", subjects.size());
  std::vector<std::pair<std::string, size_t>> by_count(subjects.begin(), subjects.end());
  std::stable_sort(by_count.begin(), by_count.end(),
                   [](const auto& x, const auto& y) { return x.second > y.second; });
  for (const auto& [subject, count] : by_count) {
    std::cout << fmt::format("  {:<30}{:>6}  {:>6}\n", subject, count, percent(count, n));
  }
  std::cout << "fields (over records that parsed)\n";
  std::cout << fmt::format("  {:<22}{:>8}{:>8}{:>8}{:>8}\n", "name", "present", "missing", "null",
                           "empty");
  const size_t parsed = dataset->records_parsed;
  for (const auto& [name, s] : dataset->fields) {
    const size_t missing = parsed >= s.present ? parsed - s.present : 0;
    std::cout << fmt::format("  {:<22}{:>8}{:>8}{:>8}{:>8}\n", name, s.present, missing, s.null,
                             s.empty);
  }
  for (const auto& p : dataset->problems) {
    std::cerr << "skipped: " << p.describe(dataset->path) << "\n";
  }
  if (!dataset->mostly_skipped()) return 0;
  std::cerr << "privqa: " << mostly_skipped_message(a.file, *dataset) << "\n";
  return 2;
}

int run_validate(const DataArgs& a) {
  auto options = load_options(a);
  if (!options) {
    std::cerr << "privqa: " << options.error().message() << "\n";
    return 2;
  }
  options->strict = false;  // collect every problem, then judge
  auto dataset = load_dataset(a.file, *options);
  if (!dataset) {
    std::cerr << "privqa: " << dataset.error().message() << "\n";
    return 2;
  }
  for (const auto& p : dataset->problems)
    std::cout << p.describe(dataset->path) << "\n";
  if (!dataset->problems.empty()) {
    std::cout << fmt::format("{}: INVALID: {} problem(s) in {} records\n", a.file,
                             dataset->problems.size(), dataset->records_read);
    if (dataset->mostly_skipped()) std::cout << mostly_skipped_message(a.file, *dataset) << "\n";
    return 2;
  }
  std::cout << fmt::format("{}: OK: {} questions ({})\n", a.file, dataset->questions.size(),
                           dataset_format_name(dataset->format));
  return 0;
}

}  // namespace

void register_data_command(CLI::App& app, int& exit_code) {
  CLI::App* data = app.add_subcommand("data", "Inspect and validate question files");
  data->require_subcommand(1);

  auto inspect_args = std::make_shared<DataArgs>();
  CLI::App* inspect = data->add_subcommand(
      "inspect",
      "Records, answer distribution, subjects, choice types, null/empty fields; exit 2 when no "
      "question loads or most records are skipped, with the likely cause");
  add_load_options(inspect, *inspect_args);
  inspect->add_flag("--strict", inspect_args->strict, "fail on any bad record instead of skipping");
  inspect->add_flag("--json", inspect_args->json, "print JSON instead of a table");
  inspect->add_option("--choice-type", inspect_args->choice_type, "keep this choice_type only");
  inspect->add_option("--subject", inspect_args->subjects, "keep these subjects only");
  inspect->add_option("--id", inspect_args->ids, "keep these question ids only");
  inspect->add_option("--first", inspect_args->first, "keep the first N questions");
  inspect->add_option("--sample", inspect_args->sample, "keep a seeded random sample of N");
  inspect->add_option("--seed", inspect_args->seed, "seed of --sample")->capture_default_str();
  inspect->callback([inspect_args, &exit_code] { exit_code = run_inspect(*inspect_args); });

  auto validate_args = std::make_shared<DataArgs>();
  CLI::App* validate = data->add_subcommand(
      "validate", "Strict check: every problem with its line and field; exit 2 if any");
  add_load_options(validate, *validate_args);
  validate->callback([validate_args, &exit_code] { exit_code = run_validate(*validate_args); });
}

}  // namespace privqa::cli
