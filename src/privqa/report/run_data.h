// Everything a report reads about one run: the store's run record, cells and
// session records, plus the run's dataset reloaded from its recorded path
// (for subjects and the original texts the privacy metrics compare against).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/data/dataset.h"
#include "privqa/data/question.h"
#include "privqa/store/cell.h"
#include "privqa/store/records.h"

namespace privqa::report {

struct RunData {
  std::filesystem::path store;
  std::string label;  // the store's file name without extension
  RunRecord record;   // config: the results identity (exp/run_config.h results_identity_json)
  std::vector<CellResult> cells;
  std::vector<SessionRecord> sessions;  // one per `privqa run`, oldest first
  bool simulated = false;               // the providers were privqa's simulator

  // The whole dataset file (not only the run's selection); empty when it
  // could not be reloaded, with the reason in `dataset_problem`.
  std::vector<Question> corpus;
  std::string dataset_problem;
};

// The model the run's "local" or "remote" provider ran, as the run record
// states it; empty when it states none.
std::string recorded_model(const RunRecord& record, const std::string& role);

// Opens the store at `path` read-only and reloads the run's question file as
// the run recorded reading it (format, field mapping), or as `dataset` says
// when given (for a run that recorded no mapping). A missing or unreadable
// store, one without a recorded run, or a record that cannot be read is an
// error; a dataset that cannot be reloaded, or whose content changed since
// the run read it, is not (the report then leaves out what needs it).
Result<RunData> load_run(const std::filesystem::path& path,
                         const std::optional<LoadOptions>& dataset = std::nullopt);

}  // namespace privqa::report
