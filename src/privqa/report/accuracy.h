// Accuracy per scenario x mechanism x eps from stored cells: the table a run
// prints when it ends and `privqa status` shows. Errors are excluded from n
// and counted apart; unparsed answers count in n as not correct.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/store/cell.h"
#include "privqa/store/result_store.h"

namespace privqa::report {

struct AccuracyRow {
  Scenario scenario = Scenario::kLocal;
  std::string mechanism;  // S3 only
  double eps = 0;         // S3 only
  size_t n = 0;           // answered cells with a gold answer
  size_t correct = 0;
  size_t unparsed = 0;
  size_t errors = 0;
  double accuracy() const {
    return n == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(n);
  }
};

// The table counted one cell at a time, for readers that stream a store's
// cells (ResultStore::for_each_cell) rather than hold them.
class AccuracyTally {
 public:
  // Reads the key, status, parsed and gold of `c`.
  void add(const CellResult& c);
  // Adds the counts of `other`.
  void merge(const AccuracyTally& other);
  // Rows in scenario order (S1, S2, S3 by mechanism and eps, S4, S5, then A2
  // by mechanism and eps: the attacker's answer). A1 cells answer no
  // question and are left out.
  std::vector<AccuracyRow> rows() const;

 private:
  std::map<std::tuple<int, std::string, double>, AccuracyRow> rows_;
};

// The rows of AccuracyTally over `cells`.
std::vector<AccuracyRow> accuracy_table(const std::vector<CellResult>& cells);

// A store's cells counted, read one at a time without their texts (so as
// fast and small for millions of cells as for a few).
struct StoredCounts {
  size_t cells = 0;
  size_t errors = 0;
  std::vector<AccuracyRow> table;
};
Result<StoredCounts> count_stored_cells(ResultStore& store);

// A plain-text table of the rows.
std::string format_accuracy_table(const std::vector<AccuracyRow>& rows);

}  // namespace privqa::report
