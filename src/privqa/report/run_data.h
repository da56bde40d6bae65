// Everything a report reads about one run: the store's run record, cells and
// session records, plus the run's dataset reloaded from its recorded path
// (for subjects and the original texts the privacy metrics compare against).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/data/dataset.h"
#include "privqa/data/question.h"
#include "privqa/store/cell.h"
#include "privqa/store/records.h"
#include "privqa/store/result_store.h"

namespace privqa::report {

// What load_run holds of each experiment cell.
enum class CellTexts {
  kHeld,  // every field, as stored
  // The key and the outcome only (ResultStore::CellFields::kOutcomes): the
  // texts, error and details stay in the store, read when needed
  // (for_each_whole_cell), so a run of millions of cells fits in memory.
  kInStore,
};

struct RunData {
  std::string store;  // the store's path or URL, as given
  std::string label;  // store_label (store/open_store.h): its file name without extension
  RunRecord record;   // config: the results identity (exp/run_config.h results_identity_json)
  // The experiment's cells, in key order; the reconstruction attacks' (A1,
  // A2) are kept apart in attack_cells, always whole: they measure privacy,
  // not the pipeline's accuracy.
  std::vector<CellResult> cells;
  std::vector<CellResult> attack_cells;
  CellTexts texts = CellTexts::kHeld;
  std::shared_ptr<ResultStore> source;  // the open store, read for the texts when kInStore
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

// The embedding table the run's mechanisms used: `given` when not empty,
// else the one the run recorded, else the default table (base/paths.h).
std::filesystem::path run_embeddings(const RunData& run, const std::filesystem::path& given = {});

// What one S3 cell's sanitization spent of its privacy budget, as the cell
// recorded it (docs/mechanisms.md, "Privacy accounting per text").
struct CellBudget {
  bool dp = true;                       // false: a mechanism without a DP guarantee (PhraseDP)
  std::optional<size_t> sampled;        // tokens the eps-calibrated step decided
  std::optional<double> eps_per_token;  // what one of them spent
  std::optional<double> eps_spent;      // the text's total; none when not DP or not recorded
  // DP-Prompt through a chat API: sampled from unclipped logits, so the eps
  // is what the temperature would give with clipping, not a guarantee.
  bool nominal = false;
};
// How reports and exports show the budget of a mechanism that is not DP:
// never as a number.
inline constexpr const char* kNotDp = "none (not DP)";

// The names of the run's mechanisms that give no DP guarantee (PhraseDP).
std::set<std::string> non_dp_mechanisms(const RunRecord& record);
// A cell stored before the accounting (or with no sanitized text) has none
// of the numbers.
CellBudget cell_budget(const CellResult& c, const std::set<std::string>& non_dp);

// Opens the store at `location` (a path or URL: store/open_store.h) read-only and reloads the run's
// question file as the run recorded reading it (format, field mapping), or as `dataset` says when
// given (for a run that recorded no mapping). A missing or unreadable store, one without a recorded
// run, or a record that cannot be read is an error; a dataset that cannot be reloaded, or whose
// content changed since the run read it, is not (the report then leaves out what needs it).
Result<RunData> load_run(const std::string& location,
                         const std::optional<LoadOptions>& dataset = std::nullopt,
                         CellTexts texts = CellTexts::kHeld);

// Calls `visit` with each of the run's experiment cells whole (with texts,
// error and details), from memory or from the store; stops at and returns
// the first error of the read or of `visit`.
using WholeCellVisitor = std::function<Status(const CellResult&)>;
Status for_each_whole_cell(const RunData& run, const WholeCellVisitor& visit);
// The same for the cells of the questions `ids` only, in no particular order.
Status for_each_whole_cell_of(const RunData& run, const std::vector<std::string>& ids,
                              const WholeCellVisitor& visit);

}  // namespace privqa::report
