// privqa sanitize: run a text DP mechanism on one text, or on every question
// of a dataset (JSONL out: id, mechanism, eps, original, sanitized, stats).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "privqa/base/files.h"
#include "privqa/base/paths.h"
#include "privqa/cli/commands.h"
#include "privqa/cli/dataset_options.h"
#include "privqa/cli/mechanism_params.h"
#include "privqa/data/dataset.h"
#include "privqa/dp/registry.h"
#include "privqa/dp/rng.h"
#include "privqa/embed/embedding_table.h"
#include "privqa/text/tokenizer.h"

namespace privqa::cli {
namespace {

struct SanitizeArgs {
  std::string text;
  bool text_given = false;  // TEXT was on the command line (maybe empty)
  std::string mechanisms;   // comma-separated
  std::string eps;          // comma-separated
  std::vector<std::string> params;
  std::optional<uint64_t> seed;  // none: drawn from the OS
  std::string embeddings;
  std::string corpus;
  std::string dataset;
  DatasetOptionArgs dataset_options;  // how --dataset and --corpus are read
  std::string out;
  size_t first = 0;
  unsigned threads = 0;
  bool json = false;
};

// Invalid input: reported, exit code 2.
int usage_error(const std::string& message) {
  std::cerr << "privqa sanitize: " << message << "\n";
  return 2;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Result<std::vector<double>> parse_eps_list(const std::string& text) {
  std::vector<double> out;
  for (const auto& item : split_list(text)) {
    size_t used = 0;
    double eps = 0;
    try {
      eps = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size()) return Error(fmt::format("--eps: '{}' is not a number", item));
    if (Status ok = check_epsilon(eps); !ok) return ok.error().wrap("--eps");
    out.push_back(eps);
  }
  if (out.empty()) return Error("--eps: give at least one value");
  return out;
}

nlohmann::json stats_json(const SanitizeStats& s) {
  return {{"words", s.words},     {"numbers", s.numbers},    {"replaced", s.replaced},
          {"kept", s.kept},       {"dropped", s.dropped},    {"oov", s.oov},
          {"sampled", s.sampled}, {"eps_spent", s.eps_spent}};
}

struct Item {
  std::string id;
  std::string text;
};

int run(const SanitizeArgs& a) {
  const bool batch = !a.dataset.empty();
  if (batch == a.text_given) {
    return usage_error("give either TEXT or --dataset FILE");
  }
  const auto names = split_list(a.mechanisms);
  if (names.empty()) return usage_error("--mech: give at least one mechanism");
  for (const auto& name : names) {
    if (auto info = find_mechanism(name); !info.ok()) return usage_error(info.error().message());
  }
  if (!batch && names.size() > 1) return usage_error("one --mech at a time for a single TEXT");
  auto eps_list = parse_eps_list(a.eps);
  if (!eps_list.ok()) return usage_error(eps_list.error().message());
  if (!batch && eps_list->size() > 1) return usage_error("one --eps at a time for a single TEXT");

  // Only the question texts are sanitized: answers are not read, so files
  // without them load too.
  auto loaded_options = dataset_load_options(a.dataset_options);
  if (!loaded_options) return usage_error(loaded_options.error().message());
  LoadOptions texts_only = *loaded_options;
  texts_only.read_answers = false;

  const auto start = std::chrono::steady_clock::now();
  // The dataset is read while the embeddings load.
  std::future<Result<Dataset>> dataset_loading;
  if (batch) {
    dataset_loading =
        std::async(std::launch::async, [&] { return load_dataset(a.dataset, texts_only); });
  }
  const std::filesystem::path embeddings_path =
      a.embeddings.empty() ? default_embeddings_path() : std::filesystem::path(a.embeddings);
  auto table = load_embeddings(embeddings_path);
  const double load_seconds = seconds_since(start);
  std::optional<Result<Dataset>> questions;
  if (batch) questions.emplace(dataset_loading.get());
  if (!table.ok()) return usage_error(table.error().message());

  std::vector<Item> items;
  if (batch) {
    if (!questions->ok()) return usage_error(questions->error().wrap("--dataset").message());
    for (const auto& q : (*questions)->questions) {
      if (a.first > 0 && items.size() == a.first) break;
      items.push_back({q.id, q.text});
    }
  } else {
    items.push_back({"text", a.text});
  }
  std::vector<std::string> corpus;
  if (!a.corpus.empty()) {
    auto dataset = load_dataset(a.corpus, texts_only);
    if (!dataset.ok()) return usage_error(dataset.error().wrap("--corpus").message());
    for (const auto& q : dataset->questions)
      corpus.push_back(q.text);
  } else {
    // The run's own texts: every question of the dataset, or the TEXT itself.
    for (const auto& item : items)
      corpus.push_back(item.text);
  }

  // A text without word or number tokens (an empty TEXT) comes out of every
  // mechanism unchanged. When no text has one, a corpus-based mechanism is
  // not built: the texts, its default corpus, hold no vocabulary.
  const bool any_token = std::any_of(items.begin(), items.end(), [](const Item& item) {
    const auto tokens = tokenize(item.text);
    return std::any_of(tokens.begin(), tokens.end(), [](const Token& t) {
      return t.kind == TokenKind::kWord || t.kind == TokenKind::kNumber;
    });
  });

  const unsigned threads =
      a.threads > 0 ? a.threads : std::max(1u, std::thread::hardware_concurrency());
  // The seed is a secret key of the mechanisms' randomness: from the OS unless
  // a reproducible experiment fixes it.
  uint64_t seed = 0;
  if (a.seed) {
    seed = *a.seed;
  } else {
    auto drawn = os_entropy_seed();
    if (!drawn) return usage_error(drawn.error().message());
    seed = *drawn;
  }
  std::string jsonl;
  for (const auto& name : names) {
    auto params = params_for(name, a.params);
    if (!params.ok()) return usage_error(params.error().message());
    const auto build_start = std::chrono::steady_clock::now();
    const MechanismInfo& info = **find_mechanism(name);
    std::shared_ptr<const Mechanism> mechanism;  // null: every text is output unchanged
    if (any_token || !info.needs_corpus) {
      auto built = create_mechanism(name, *params, *table, corpus);
      if (!built.ok()) return usage_error(built.error().message());
      mechanism = *built;
    } else if (auto values = resolve_params(name, info.params, *params); !values.ok()) {
      return usage_error(values.error().message());
    }
    const double build_seconds = seconds_since(build_start);
    // Each text at every eps before the next text: a word's eps-independent
    // state (distances), computed for a chunk of texts at once, is reused
    // while it is cached. The streams are per (text, eps), so the order
    // changes no result.
    std::vector<std::vector<SanitizedText>> results(eps_list->size(),
                                                    std::vector<SanitizedText>(items.size()));
    // The JSON lines are written by the workers too, in the order of the output.
    const bool as_json = batch || a.json;
    std::vector<std::vector<std::string>> lines(as_json ? eps_list->size() : 0,
                                                std::vector<std::string>(items.size()));
    std::vector<std::string_view> texts;
    for (const Item& item : items)
      texts.push_back(item.text);
    const auto run_start = std::chrono::steady_clock::now();
    for_each_prepared_text(mechanism.get(), texts, threads, [&](size_t i) {
      for (size_t e = 0; e < eps_list->size(); ++e) {
        const double eps = (*eps_list)[e];
        Rng rng = cell_rng(seed, items[i].id, "sanitize", name, eps, 0);
        // eps was checked above, so sanitize cannot fail.
        SanitizedText& result = results[e][i];
        result = mechanism ? *mechanism->sanitize(items[i].text, eps, rng)
                           : SanitizedText{items[i].text, {}};
        if (!as_json) continue;
        const nlohmann::json line = {{"id", items[i].id},
                                     {"mechanism", name},
                                     {"eps", eps},
                                     {"original", items[i].text},
                                     {"sanitized", result.text},
                                     {"stats", stats_json(result.stats)}};
        lines[e][i] = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      }
    });
    const double run_seconds = seconds_since(run_start);

    size_t bytes = jsonl.size();
    for (const auto& of_eps : lines) {
      for (const std::string& line : of_eps)
        bytes += line.size();
    }
    jsonl.reserve(bytes);  // grown once: each regrowth would copy and fault in the text again
    size_t words = 0;
    std::vector<double> eps_spent(eps_list->size());  // summed over the texts
    for (size_t e = 0; e < eps_list->size(); ++e) {
      for (size_t i = 0; i < items.size(); ++i) {
        const SanitizedText& result = results[e][i];
        words += result.stats.words + result.stats.numbers;
        eps_spent[e] += result.stats.eps_spent;
        if (as_json) {
          jsonl += lines[e][i];
        } else {
          std::cout << result.text << "\n";
        }
      }
    }
    if (batch) {
      std::cerr << fmt::format(
          "{} eps {}: {} texts, {} words in {:.3f} s ({:.0f} words/s); state built in {:.3f} s\n",
          name, a.eps, items.size(), words, run_seconds,
          static_cast<double>(words) / std::max(run_seconds, 1e-9), build_seconds);
      for (size_t e = 0; e < eps_list->size(); ++e) {
        std::cerr << fmt::format(
            "{} eps {:g}: mean eps spent per text {:.4g}\n", name, (*eps_list)[e],
            eps_spent[e] / static_cast<double>(std::max<size_t>(items.size(), 1)));
      }
    }
  }
  if (batch) {
    std::cerr << fmt::format("embeddings loaded in {:.3f} s; total {:.3f} s\n", load_seconds,
                             seconds_since(start));
  }
  if (jsonl.empty()) return 0;
  if (a.out.empty()) {
    std::cout << jsonl;
    return 0;
  }
  if (Status written = write_file_atomic(a.out, jsonl); !written) {
    std::cerr << "privqa: " << written.error().message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

void register_sanitize_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SanitizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sanitize", "Sanitize a text (or every question of a dataset) with a text DP mechanism");
  CLI::Option* text =
      cmd->add_option("TEXT", args->text, "the text to sanitize (or use --dataset)");
  cmd->add_option(
         "--mech", args->mechanisms,
         "a word-level mechanism: santext, santext+, custext, custext+, inferdpt, tem, cmp, "
         "mahalanobis or vickrey (comma-separated in batch mode)")
      ->required();
  cmd->add_option("--eps", args->eps, "privacy budget > 0 (comma-separated in batch mode)")
      ->required();
  cmd->add_option("--param", args->params,
                  "mechanism parameter key=value (NAME:key=value for one of several); repeatable")
      ->allow_extra_args(false);  // one value per --param: TEXT stays positional
  cmd->add_option("--seed", args->seed,
                  "fix the run seed of the random streams (default: from the OS; a seed is a "
                  "secret key, docs/mechanisms.md)");
  cmd->add_option("--embeddings", args->embeddings,
                  "word embeddings file (default: PRIVQA_EMBEDDINGS or the fetched wink table)");
  cmd->add_option("--corpus", args->corpus,
                  "dataset whose questions form the vocabulary (default: the texts sanitized)");
  cmd->add_option("--dataset", args->dataset, "batch mode: sanitize every question of FILE");
  add_dataset_options(cmd, args->dataset_options, "--dataset and --corpus");
  cmd->add_option("--out", args->out,
                  "batch mode: write JSONL here (atomically) instead of stdout");
  cmd->add_option("--first", args->first, "batch mode: only the first N questions");
  cmd->add_option("--threads", args->threads, "worker threads (default: all cores)");
  cmd->add_flag("--json", args->json, "single TEXT: print a JSON line with the stats");
  cmd->callback([args, text, &exit_code] {
    args->text_given = text->count() > 0;
    exit_code = run(*args);
  });
}

}  // namespace privqa::cli
