// privqa run CONFIG: the experiment (or, with --dry-run, its plan and cost).
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "privqa/cli/commands.h"
#include "privqa/exp/cell_sanitizer.h"
#include "privqa/exp/plan.h"
#include "privqa/exp/runner.h"
#include "privqa/report/accuracy.h"
#include "privqa/store/open_store.h"

namespace privqa::cli {

namespace {

struct RunArgs {
  std::string config;
  bool dry_run = false;
  RunOverrides overrides;
  bool quiet = false;
};

int print_plan(const RunConfig& c) {
  auto dataset = load_dataset(c.dataset.path, c.dataset.load);
  if (!dataset) {
    std::cerr << "privqa: " << dataset.error().message() << "\n";
    return 2;
  }
  auto questions = apply_filter(dataset->questions, c.dataset.filter);
  if (!questions) {
    std::cerr << "privqa: " << questions.error().message() << "\n";
    return 2;
  }
  const PlanEstimate e = estimate_plan(*questions, c);
  std::cout << fmt::format("plan for {}\n", c.source.string());
  std::cout << fmt::format("  dataset     {} ({} questions selected)\n", c.dataset.path.string(),
                           e.questions);
  std::cout << fmt::format("  output      {}\n", c.output);
  std::cout << fmt::format("  cells       {}\n", e.cells);
  for (const auto& [scenario, n] : e.cells_by_scenario) {
    std::cout << fmt::format("    {} {:<12} {}\n", scenario_id(scenario), scenario_name(scenario),
                             n);
  }
  std::cout << "  providers (tokens estimated at 4 characters each; output and cost are upper "
               "bounds from max_tokens)\n";
  for (const auto& [name, p] : e.providers) {
    const ProviderConfig* config = c.provider(name);
    std::cout << fmt::format(
        "    {:<12} {:>8} requests  {:>10} prompt tokens  <= {:>10} output tokens  <= ${:.2f}"
        "  limits: {} rpm, {} tpm -> >= {}\n",
        name, p.requests, p.tokens_in, p.max_tokens_out, p.max_cost,
        config && config->rpm > 0 ? fmt::format("{:g}", config->rpm) : "no",
        config && config->tpm > 0 ? fmt::format("{:g}", config->tpm) : "no",
        p.seconds_at_limits > 0 ? fmt::format("{:.1f} min", p.seconds_at_limits / 60) : "-");
  }
  std::cout << fmt::format("  lower bound on wall time from the limits: {}\n",
                           e.lower_bound_seconds > 0
                               ? fmt::format("{:.1f} min", e.lower_bound_seconds / 60)
                               : "none (no rpm/tpm limits configured)");
  return 0;
}

int run(const RunArgs& a) {
  auto config = load_run_config(a.config);
  if (!config) {
    std::cerr << "privqa: " << config.error().message() << "\n";
    return 2;
  }
  // The question file's load options are config keys.
  config->dataset.load.setting_names = {"[dataset] format", "[dataset] map",
                                        "[dataset] answer_base",
                                        "with [dataset] skip_bad_records = true"};
  if (auto s = apply_overrides(a.overrides, *config); !s) {
    std::cerr << "privqa: " << s.error().message() << "\n";
    return 2;
  }
  // The mechanisms and their parameters are part of the config: a mistake
  // there is invalid input, found by a dry run too.
  if (auto s = check_mechanisms(*config); !s) {
    std::cerr << "privqa: " << s.error().message() << "\n";
    return 2;
  }
  if (a.dry_run) return print_plan(*config);

  RunOptions options;
  options.progress = a.quiet ? nullptr : &std::cerr;
  options.progress_is_terminal = ::isatty(STDERR_FILENO) != 0;
  auto summary = run_experiment(*config, options);
  if (!summary) {
    std::cerr << "privqa: " << summary.error().message() << "\n";
    return 1;
  }
  std::cout << fmt::format(
      "run {}: {} cells planned, {} already done, {} finished now ({} as errors), {} not run, "
      "{:.1f} s\n",
      config->output, summary->cells_planned, summary->cells_already_done,
      summary->cells_ok + summary->cells_error, summary->cells_error, summary->cells_not_run,
      summary->wall_seconds);
  if (!summary->worker.empty()) {
    std::cout << fmt::format(
        "  worker {}: {} cells finished by other workers, {} questions taken over from lost "
        "workers, {} late duplicates dropped\n",
        summary->worker, summary->cells_by_others, summary->reclaimed, summary->late_duplicates);
  }
  for (const auto& [name, k] : summary->providers) {
    std::cout << fmt::format(
        "  {:<12} {} requests ({} from cache), {} retries, {} hedges, {} rate-limited, {} + {} "
        "tokens, ${:.4f}\n",
        name, k.requests, k.cache_hits, k.retries, k.hedges, k.rate_limited, k.tokens_in,
        k.tokens_out, k.cost);
    if (const std::string replicas = describe_replicas(k); !replicas.empty()) {
      std::cout << fmt::format("  {:<12} {}\n", name, replicas);
    }
    if (k.cache_errors > 0) {
      std::cout << fmt::format(
          "  {:<12} {} response cache errors (the calls went on without it), "
          "the last: {}\n",
          name, k.cache_errors, k.cache_error);
    }
  }
  for (const auto& [name, why] : summary->paused) {
    std::cout << fmt::format(
        "  PAUSED {}: {}\n  once the provider works again (out of credit: fix the account), run "
        "the same command again to finish the {} cells left\n",
        name, why, summary->cells_not_run);
  }
  auto store = open_store(config->output, true);
  if (store) {
    auto counts = report::count_stored_cells(**store);
    if (counts) std::cout << "\n" << report::format_accuracy_table(counts->table);
  }
  if (summary->interrupted) {
    std::cout << "interrupted: run the same command again to resume\n";
    return 130;
  }
  if (!summary->paused.empty()) return 1;
  if (summary->cells_error > 0) {
    // A run whose cells fail must not look like a success to the script or
    // job scheduler that started it.
    std::cout << fmt::format(
        "{} cells ended as errors (privqa export shows why): run the same command again to "
        "retry them\n",
        summary->cells_error);
    return 4;
  }
  return 0;
}

}  // namespace

void register_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run an experiment from a TOML config; re-running the same command resumes");
  cmd->add_option("CONFIG", args->config, "run configuration (TOML)")->required();
  cmd->add_flag("--dry-run", args->dry_run,
                "print the plan: cells, requests, tokens, cost, lower bound on wall time");
  cmd->add_option("--dataset", args->overrides.dataset,
                  "use this question file instead of the config's");
  cmd->add_option("--limit", args->overrides.limit, "use only the first N questions");
  cmd->add_option("--output", args->overrides.output,
                  "store results here instead of the config's output");
  cmd->add_option("--window", args->overrides.window, "questions in flight at once");
  cmd->add_option("--cache", args->overrides.cache, "response cache: use, refresh or bypass")
      ->check(CLI::IsMember({"use", "refresh", "bypass"}));
  cmd->add_option("--shard", args->overrides.shard,
                  "I/N: run only shard I of N of the cells, into a store of its own; "
                  "privqa merge joins the shards' stores");
  cmd->add_flag("--quiet", args->quiet, "no progress line");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace privqa::cli
