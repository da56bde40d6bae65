// privqa status RUN: progress, provider use and accuracy of a run store.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>

#include "privqa/cli/commands.h"
#include "privqa/report/accuracy.h"
#include "privqa/store/open_store.h"
#include "privqa/store/shard.h"

namespace privqa::cli {

namespace {

// The workers of a store shared by several runs (docs/workers.md), with
// what each session record says it did; nothing for a store without any.
Status print_workers(const std::string& path, const std::vector<SessionRecord>& sessions) {
  auto workers = read_workers(path);
  if (!workers) return workers.error();
  if (workers->empty()) return Status::Ok();
  size_t live = 0, lost = 0;
  for (const WorkerRecord& w : *workers) {
    live += w.live();
    lost += !w.ended && !w.live();
  }
  std::cout << fmt::format("workers: {} live, {} lost (stopped without ending), {} ended\n", live,
                           lost, workers->size() - live - lost);
  for (const WorkerRecord& w : *workers) {
    const auto session = std::find_if(sessions.begin(), sessions.end(),
                                      [&](const SessionRecord& s) { return s.worker == w.id; });
    const char* state = w.live() ? "live" : w.ended ? "ended" : "lost";
    std::string line = fmt::format("  {:<32} {:<5} last heard {:.1f} s ago", w.id, state,
                                   w.seconds_since_heartbeat);
    if (session != sessions.end()) {
      line +=
          fmt::format(", {} cells ({} errors), {} questions taken over, {} late duplicates dropped",
                      session->cells_ok + session->cells_error, session->cells_error,
                      session->reclaimed, session->late_duplicates);
    }
    std::cout << line << "\n";
  }
  return Status::Ok();
}

int status(const std::string& path) {
  auto store = open_store(path, true);
  if (!store) {
    std::cerr << "privqa: " << store.error().message() << "\n";
    return 2;
  }
  auto run = (*store)->run();
  if (!run) {
    std::cerr << "privqa: " << run.error().message() << "\n";
    return 1;
  }
  if (!*run) {
    std::cout << path << ": no run recorded yet\n";
    return 0;
  }
  auto counts = report::count_stored_cells(**store);
  auto sessions = (*store)->sessions();
  if (!counts || !sessions) {
    std::cerr << "privqa: " << (counts ? sessions.error() : counts.error()).message() << "\n";
    return 1;
  }
  const RunRecord& record = **run;
  const auto planned = static_cast<size_t>(record.planned_cells);
  auto meta = (*store)->meta();
  if (!meta) {
    std::cerr << "privqa: " << meta.error().message() << "\n";
    return 1;
  }
  const auto shard = meta->find(kShardMetaKey);
  std::cout << fmt::format("run {} (created {}, config {}{})\n", path, record.created_at,
                           record.config_file,
                           shard == meta->end() ? "" : ", shard " + shard->second);
  std::cout << fmt::format(
      "cells: {} of {} stored ({}), {} of them errors\n", counts->cells, planned,
      planned ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(counts->cells) /
                                           static_cast<double>(planned))
              : "-",
      counts->errors);

  double wall_seconds = 0;
  size_t interrupted = 0, unended = 0;
  for (const SessionRecord& s : *sessions) {
    wall_seconds += s.wall_seconds;
    interrupted += s.interrupted;
    unended += !s.ended;
  }
  std::cout << fmt::format(
      "sessions: {} ({} interrupted{}), {:.1f} s\n", sessions->size(), interrupted,
      unended == 0 ? "" : fmt::format(", {} not ended: killed, or still running", unended),
      wall_seconds);
  for (const auto& [name, k] : provider_totals(*sessions)) {
    std::cout << fmt::format(
        "  {:<12} {:<6} {} calls ({} from cache), {} requests, {} retries, {} hedges, {} "
        "rate-limited, {} failures, {} cache errors, {} + {} tokens{}, ${:.4f}\n",
        name, provider_role_name(k.role), k.calls, k.cache_hits, k.requests, k.retries, k.hedges,
        k.rate_limited, k.failures, k.cache_errors, k.tokens_in, k.tokens_out,
        k.estimated_usage == 0
            ? ""
            : fmt::format(" ({} calls estimated: no usage in their replies)", k.estimated_usage),
        k.cost);
    for (const auto& [url, r] : k.replicas) {
      std::cout << fmt::format("    replica {}: {} requests, {} failed, taken out {} times\n", url,
                               r.requests, r.failed, r.taken_out);
    }
  }
  if (Status shown = print_workers(path, *sessions); !shown) {
    std::cerr << "privqa: " << shown.error().message() << "\n";
    return 1;
  }
  std::cout << "\n" << report::format_accuracy_table(counts->table);
  return 0;
}

}  // namespace

void register_status_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("status", "Progress and accuracy of a run");
  cmd->add_option("RUN", *path,
                  "the run's store (the config's output: a path or a postgresql:// URL)")
      ->required();
  cmd->callback([path, &exit_code] { exit_code = status(*path); });
}

}  // namespace privqa::cli
