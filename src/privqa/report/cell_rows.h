// A run's cells as rows of named fields, in the order and form of `privqa
// export` (docs/reports.md, "Export"): the one reader of a store's cells for
// everything that shows them one by one (the export, the explorer).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "privqa/report/run_data.h"
#include "privqa/report/run_report.h"

namespace privqa::report {

struct RowOptions {
  // attempts, latency, provider and admission seconds, cost: they depend on
  // how the run went (load, retries, interruptions), not on its results.
  bool timing = true;
  bool details = false;  // the cell's calls and mechanism statistics (JSON)
};

// Keeps a reference to `run`, which must outlive it. Immutable once built.
class CellRows {
 public:
  explicit CellRows(const RunData& run);

  // The experiment's cells, then the attacks' (run.cells, run.attack_cells).
  size_t size() const { return run_.cells.size() + run_.attack_cells.size(); }
  // Row i, for the i-th cell in that order; `i` < size().
  nlohmann::ordered_json row(size_t i, const RowOptions& options) const;
  // The row of cell `c` of the run, e.g. one read whole from its store
  // (for_each_whole_cell) when the run holds only outcomes.
  nlohmann::ordered_json row(const CellResult& c, const RowOptions& options) const;
  // The row of a blank cell: the field names, for a header when there are no cells.
  nlohmann::ordered_json blank(const RowOptions& options) const;

 private:
  const RunData& run_;
  std::string local_model_, remote_model_;
  std::map<std::string, std::string> subject_of_;  // question id -> subject
  std::set<std::string> non_dp_;                   // mechanisms without a DP guarantee
  CostShares costs_;
};

}  // namespace privqa::report
