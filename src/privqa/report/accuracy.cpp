#include "privqa/report/accuracy.h"

#include <fmt/format.h>

#include <map>
#include <tuple>

namespace privqa::report {

std::vector<AccuracyRow> accuracy_table(const std::vector<CellResult>& cells) {
  // S3 sorts between S2 and S4, as in the original study's table.
  const auto order = [](Scenario s) {
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
  };
  std::map<std::tuple<int, std::string, double>, AccuracyRow> rows;
  for (const auto& c : cells) {
    if (c.key.scenario == Scenario::kReconstruct) continue;  // answers no question
    AccuracyRow& row = rows[{order(c.key.scenario), c.key.mechanism, c.key.eps}];
    row.scenario = c.key.scenario;
    row.mechanism = c.key.mechanism;
    row.eps = c.key.eps;
    if (c.status == CellStatus::kError) {
      ++row.errors;
      continue;
    }
    if (c.gold < 0) continue;
    ++row.n;
    if (c.correct()) ++row.correct;
    if (c.parsed < 0) ++row.unparsed;
  }
  std::vector<AccuracyRow> out;
  for (auto& [key, row] : rows)
    out.push_back(std::move(row));
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
