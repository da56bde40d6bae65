// privqa attack RUN: the offline privacy attacks of docs/privacy.md on the
// sanitized texts of a run (or of `privqa sanitize --dataset` JSONL): the
// mechanism-aware inversion and the plausible deniability statistics, per
// mechanism and eps. Sends nothing; prints a table and writes CSV and JSON.
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "privqa/attack/attack_tables.h"
#include "privqa/attack/offline_attack.h"
#include "privqa/attack/run_inputs.h"
#include "privqa/base/files.h"
#include "privqa/base/paths.h"
#include "privqa/cli/commands.h"
#include "privqa/cli/dataset_options.h"
#include "privqa/cli/mechanism_params.h"
#include "privqa/data/dataset.h"
#include "privqa/report/run_data.h"

namespace privqa::cli {
namespace {

using attack::AttackGroup;

struct AttackArgs {
  std::string run;
  std::string out;
  std::string embeddings;
  uint64_t draws = attack::AttackOptions{}.draws;
  double sensitive_ratio = attack::AttackOptions{}.sensitive_ratio;
  unsigned threads = 0;             // 0: all cores
  std::string corpus;               // JSONL input: the mechanisms' corpus
  std::vector<std::string> params;  // JSONL input: mechanism parameters
  DatasetOptionArgs dataset;
};

int attack_usage_error(const std::string& message) {
  std::cerr << "privqa attack: " << message << "\n";
  return 2;
}

using attack::AttackInputs;

Result<AttackInputs> attack_inputs_from_run(const AttackArgs& a) {
  std::optional<LoadOptions> dataset;
  if (a.dataset.given()) {
    auto given = dataset_load_options(a.dataset);
    if (!given) return given.error();
    dataset = *given;
  }
  auto run = report::load_run(a.run, dataset);
  if (!run) return run.error();
  return attack::run_attack_inputs(*run);
}

// `privqa sanitize --dataset ... --out FILE.jsonl` output.
Result<AttackInputs> attack_inputs_from_jsonl(const AttackArgs& a) {
  auto text = read_file(a.run);
  if (!text) return text.error();
  AttackInputs in;
  in.embeddings = default_embeddings_path();
  std::map<std::string, size_t> position;  // question id -> corpus position
  std::map<std::pair<std::string, double>, AttackGroup> groups;
  std::map<std::pair<std::string, double>, std::vector<std::string>> ids;  // per text of a group
  std::vector<std::string> names;
  std::istringstream lines(*text);
  std::string line;
  for (size_t number = 1; std::getline(lines, line); ++number) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    const auto is = [&](const char* key, bool number_field = false) {
      return j.is_object() && j.contains(key) &&
             (number_field ? j[key].is_number() : j[key].is_string());
    };
    if (!is("id") || !is("mechanism") || !is("original") || !is("sanitized") || !is("eps", true)) {
      return Error(
          fmt::format("{}:{}: not a line of `privqa sanitize --dataset` output (a JSON "
                      "object with id, mechanism, eps, original, sanitized)",
                      a.run, number));
    }
    const auto id = j["id"].get<std::string>();
    const auto name = j["mechanism"].get<std::string>();
    const double eps = j["eps"].get<double>();
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    auto [at, added] = position.emplace(id, in.corpus.size());
    if (added) in.corpus.push_back(j["original"].get<std::string>());
    AttackGroup& g = groups[{name, eps}];
    if (g.mechanism.empty()) {
      auto params = params_for(name, a.params);
      if (!params) return params.error().wrap("--param");
      g = {.mechanism = name, .kind = name, .params = std::move(*params), .eps = eps, .texts = {}};
    }
    g.texts.push_back(
        {j["original"].get<std::string>(), j["sanitized"].get<std::string>(), at->second});
    ids[{name, eps}].push_back(id);
  }
  if (groups.empty()) return Error(a.run + ": no sanitized texts in the file");
  if (!a.corpus.empty()) {
    // The corpus the texts were sanitized with, and the prior's: a text is
    // left out of it by id.
    auto options = dataset_load_options(a.dataset);
    if (!options) return options.error();
    options->read_answers = false;
    auto dataset = load_dataset(a.corpus, *options);
    if (!dataset) return dataset.error().wrap("--corpus");
    std::map<std::string, size_t> corpus_position;
    in.corpus.clear();
    for (const auto& q : dataset->questions) {
      corpus_position.emplace(q.id, in.corpus.size());
      in.corpus.push_back(q.text);
    }
    for (auto& [key, group] : groups) {
      const auto& group_ids = ids[key];
      for (size_t i = 0; i < group.texts.size(); ++i) {
        const auto it = corpus_position.find(group_ids[i]);
        group.texts[i].corpus_index =
            it == corpus_position.end() ? std::nullopt : std::optional<size_t>(it->second);
      }
    }
  }
  in.groups = attack::groups_in_order(names, std::move(groups));
  return in;
}

int run_attack(const AttackArgs& a) {
  if (a.draws < 1) return attack_usage_error("--draws: give a number of draws >= 1");
  if (!(a.sensitive_ratio > 0 && a.sensitive_ratio <= 1)) {
    return attack_usage_error("--sensitive-ratio: give w in (0, 1]");
  }
  const bool jsonl = std::filesystem::path(a.run).extension() == ".jsonl";
  if (!jsonl && (!a.corpus.empty() || !a.params.empty())) {
    return attack_usage_error(
        "--corpus and --param apply to JSONL input only (a run records both)");
  }
  auto inputs = jsonl ? attack_inputs_from_jsonl(a) : attack_inputs_from_run(a);
  if (!inputs) return attack_usage_error(inputs.error().message());
  auto table = load_embeddings(a.embeddings.empty() ? inputs->embeddings
                                                    : std::filesystem::path(a.embeddings));
  if (!table) return attack_usage_error(table.error().message());

  attack::AttackOptions options;
  options.draws = a.draws;
  options.sensitive_ratio = a.sensitive_ratio;
  options.threads = a.threads > 0 ? a.threads : std::max(1u, std::thread::hardware_concurrency());
  const auto start = std::chrono::steady_clock::now();
  auto results = attack::run_attacks(*table, inputs->corpus, inputs->groups, options);
  if (!results) return attack_usage_error(results.error().message());
  std::cout << attack::attack_table(*results);

  const std::filesystem::path input(a.run);
  const std::filesystem::path out = a.out.empty()
                                        ? input.parent_path() / (input.stem().string() + "-attack")
                                        : std::filesystem::path(a.out);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    std::cerr << "privqa: cannot create " << out.string() << ": " << ec.message() << "\n";
    return 1;
  }
  for (const auto& [name, contents] :
       {std::pair{"attack.csv", attack::attack_csv(*results)},
        std::pair{"attack.json", attack::attack_json(*results, options).dump(2) + "\n"}}) {
    if (auto written = write_file_atomic(out / name, contents); !written) {
      std::cerr << "privqa: " << written.error().message() << "\n";
      return 1;
    }
  }
  std::cerr << fmt::format("attacks computed in {:.3f} s; written to {}\n", seconds_since(start),
                           out.string());
  return 0;
}

}  // namespace

void register_attack_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<AttackArgs>();
  CLI::App* cmd = app.add_subcommand(
      "attack",
      "Offline privacy attacks on a run's sanitized texts: mechanism-aware inversion and "
      "plausible deniability (docs/privacy.md); sends nothing");
  cmd->add_option("RUN", args->run,
                  "a run's store, or FILE.jsonl written by `privqa sanitize --dataset`")
      ->required();
  cmd->add_option("--out", args->out, "output directory (default: beside RUN, NAME-attack)");
  cmd->add_option("--embeddings", args->embeddings,
                  "embedding table the mechanisms used (default: the run's, or the wink table)");
  cmd->add_option("--draws", args->draws, "K of S_w: distinct outputs expected in K draws")
      ->capture_default_str();
  cmd->add_option("--sensitive-ratio", args->sensitive_ratio,
                  "w of SanText+'s sensitive words, reported apart")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads,
                  "mechanisms and eps attacked at once (default: all cores)");
  cmd->add_option("--corpus", args->corpus,
                  "JSONL input: the dataset the texts were sanitized with as corpus (default: "
                  "the originals in the file)");
  cmd->add_option("--param", args->params,
                  "JSONL input: mechanism parameter key=value (NAME:key=value); repeatable");
  args->dataset.format_flag = "--dataset-format";
  add_dataset_options(cmd, args->dataset, "the run's question file or --corpus");
  cmd->callback([args, &exit_code] { exit_code = run_attack(*args); });
}

}  // namespace privqa::cli
