// Accuracy per scenario x mechanism x eps from stored cells: the table a run
// prints when it ends and `privqa status` shows. Errors are excluded from n
// and counted apart; unparsed answers count in n as not correct.
#pragma once

#include <string>
#include <vector>

#include "privqa/store/cell.h"

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

// Rows in scenario order (S1, S2, S3 by mechanism and eps, S4, S5, then A2
// by mechanism and eps: the attacker's answer). A1 cells answer no question
// and are left out.
std::vector<AccuracyRow> accuracy_table(const std::vector<CellResult>& cells);

// A plain-text table of the rows.
std::string format_accuracy_table(const std::vector<AccuracyRow>& rows);

}  // namespace privqa::report
