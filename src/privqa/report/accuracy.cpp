#include "privqa/report/accuracy.h"

#include <fmt/format.h>

namespace privqa::report {

namespace {

// S3 sorts between S2 and S4, as in the original study's table.
int table_order(Scenario s) {
  switch (s) {
    case Scenario::kLocal:
      return 0;
    case Scenario::kRemoteCot:
      return 1;
    case Scenario::kPrivateCot:
      return 2;
    case Scenario::kRemote:
      return 3;
    case Scenario::kLocalSelfCot:
      return 4;
    case Scenario::kReconstruct:
      return 5;
    case Scenario::kReconstructAnswer:
      return 6;
  }
  return 5;
}

}  // namespace

void AccuracyTally::add(const CellResult& c) {
  if (c.key.scenario == Scenario::kReconstruct) return;  // answers no question
  AccuracyRow& row = rows_[{table_order(c.key.scenario), c.key.mechanism, c.key.eps}];
  row.scenario = c.key.scenario;
  row.mechanism = c.key.mechanism;
  row.eps = c.key.eps;
  if (c.status == CellStatus::kError) {
    ++row.errors;
    return;
  }
  if (c.gold < 0) return;
  ++row.n;
  if (c.correct()) ++row.correct;
  if (c.parsed < 0) ++row.unparsed;
}

void AccuracyTally::merge(const AccuracyTally& other) {
  for (const auto& [key, theirs] : other.rows_) {
    AccuracyRow& row = rows_[key];
    row.scenario = theirs.scenario;
    row.mechanism = theirs.mechanism;
    row.eps = theirs.eps;
    row.n += theirs.n;
    row.correct += theirs.correct;
    row.unparsed += theirs.unparsed;
    row.errors += theirs.errors;
  }
}

std::vector<AccuracyRow> AccuracyTally::rows() const {
  std::vector<AccuracyRow> out;
  for (const auto& [key, row] : rows_)
    out.push_back(row);
  return out;
}

std::vector<AccuracyRow> accuracy_table(const std::vector<CellResult>& cells) {
  AccuracyTally tally;
  for (const CellResult& c : cells)
    tally.add(c);
  return tally.rows();
}

Result<StoredCounts> count_stored_cells(ResultStore& store) {
  StoredCounts out;
  AccuracyTally tally;
  Status read = store.for_each_cell(
      [&](CellResult& c) {
        ++out.cells;
        out.errors += c.status == CellStatus::kError;
        tally.add(c);
        return Status::Ok();
      },
      ResultStore::CellFields::kOutcomes);
  if (!read) return read.error();
  out.table = tally.rows();
  return out;
}

std::string format_accuracy_table(const std::vector<AccuracyRow>& rows) {
  std::string out =
      fmt::format("{:<4} {:<18} {:<10} {:>5} {:>4} {:>6} {:>6} {:>8} {:>6}\n", "", "scenario",
                  "mechanism", "eps", "n", "right", "acc", "unparsed", "errors");
  for (const auto& r : rows) {
    const bool s3 = r.scenario == Scenario::kPrivateCot || is_attack(r.scenario);
    // A group without an answered cell has no accuracy, not 0%.
    const std::string accuracy = r.n == 0 ? "-" : fmt::format("{:.1f}%", 100 * r.accuracy());
    out += fmt::format("{:<4} {:<18} {:<10} {:>5} {:>4} {:>6} {:>6} {:>8} {:>6}\n",
                       scenario_id(r.scenario), scenario_name(r.scenario), s3 ? r.mechanism : "-",
                       s3 ? fmt::format("{:g}", r.eps) : "-", r.n, r.correct, accuracy, r.unparsed,
                       r.errors);
  }
  return out;
}

}  // namespace privqa::report
