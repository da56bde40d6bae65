// Running an experiment: every cell of every question through one global
// scheduler.
//
// One event loop drives all requests; each cell is a coroutine that walks
// its scenario's steps (scenarios.h) top to bottom: sanitize (S3), CoT,
// answer. All cells share the providers' limits (LlmClient, behind the
// ChatModel interface of model.h). Questions enter in file order through a
// bounded window, so memory stays bounded and the oldest questions finish
// first. Sanitization and sentence encoding run on a worker pool. A finished
// cell is written to the store at once; cells already in the store are
// skipped, so re-running the same command resumes. A cell whose calls fail
// after their attempt budget is stored as an error (never as a wrong answer).
// A quota/billing error pauses its provider: its cells are left unrun and the
// run says so. SIGINT/SIGTERM stop feeding new cells and let those in flight
// finish; a second signal abandons them (the store stays consistent).
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/exp/model.h"
#include "privqa/exp/run_config.h"
#include "privqa/llm/llm_client.h"

namespace privqa {

struct RunOptions {
  std::ostream* progress = nullptr;   // live progress; nullptr = silent
  bool progress_is_terminal = false;  // redraw one line; otherwise a plain line every 10 s
  bool handle_signals = true;
  // Models to call instead of the providers over HTTP, by provider name (a
  // provider not named here gets an LlmClient). Owned by the caller; they
  // must outlive run_experiment, which calls them on its own thread. Tests
  // run the whole pipeline in-process with scripted models this way.
  std::map<std::string, ChatModel*> models;
};

struct RunSummary {
  size_t cells_planned = 0;
  size_t cells_already_done = 0;  // found finished in the store
  size_t cells_ok = 0;            // finished now
  size_t cells_error = 0;         // recorded as errors now
  // Left for a later run (stop, paused provider); on a store shared by
  // workers, of the questions this worker claimed, and also those nobody
  // had finished when it stopped early.
  size_t cells_not_run = 0;
  size_t cells_by_others = 0;  // finished meanwhile by other workers
  // On a store shared by workers (docs/workers.md): this worker's id, the
  // questions it took over from workers that stopped renewing their leases,
  // and the cells it finished after another worker had stored them (dropped).
  std::string worker;
  size_t reclaimed = 0;
  size_t late_duplicates = 0;
  double wall_seconds = 0;
  bool interrupted = false;
  std::map<std::string, ProviderCounters> providers;
  std::map<std::string, std::string> paused;  // provider -> its quota or give-up error
};

Result<RunSummary> run_experiment(const RunConfig& config, const RunOptions& options);

}  // namespace privqa
