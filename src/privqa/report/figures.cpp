#include "privqa/report/figures.h"

#include <fmt/format.h>

#include <algorithm>

namespace privqa::report {

namespace {

const AccuracyStat* find_accuracy(const RunReport& r, Scenario s, const std::string& mechanism = "",
                                  double eps = 0) {
  for (const auto& a : r.accuracy) {
    if (a.scenario == s && a.mechanism == mechanism && a.eps == eps && a.n > 0) return &a;
  }
  return nullptr;
}

std::vector<double> unit_ticks() {
  return {0, 0.2, 0.4, 0.6, 0.8, 1.0};
}

}  // namespace

Chart accuracy_figure(const RunReport& r) {
  Chart c;
  c.title =
      (r.simulated ? "SIMULATED " : "") + std::string("Accuracy vs privacy budget: ") + r.label;
  c.x_label = "epsilon";
  c.y_label = "accuracy (95% Wilson interval)";
  c.percent_y = true;
  c.offset_series = true;
  c.y_ticks = unit_ticks();
  std::vector<double> eps;
  for (const auto& a : r.accuracy) {
    if (a.scenario == Scenario::kPrivateCot) eps.push_back(a.eps);
  }
  std::sort(eps.begin(), eps.end());
  eps.erase(std::unique(eps.begin(), eps.end()), eps.end());
  c.x_ticks = eps;
  c.x_min = eps.empty() ? 0 : eps.front() - 0.5;
  c.x_max = eps.empty() ? 1 : eps.back() + 0.5;
  for (const std::string& m : r.mechanisms) {
    ChartSeries series{m, {}, true};
    for (double e : eps) {
      if (const AccuracyStat* a = find_accuracy(r, Scenario::kPrivateCot, m, e)) {
        series.points.push_back({e, a->accuracy, a->ci.low, a->ci.high, {}, {}, ""});
      }
    }
    if (!series.points.empty()) c.series.push_back(std::move(series));
  }
  for (Scenario s :
       {Scenario::kLocal, Scenario::kRemoteCot, Scenario::kRemote, Scenario::kLocalSelfCot}) {
    if (const AccuracyStat* a = find_accuracy(r, s)) {
      c.references.push_back({scenario_title(s), a->accuracy});
    }
  }
  return c;
}

Chart frontier_figure(const RunReport& r) {
  Chart c;
  c.title = (r.simulated ? "SIMULATED " : "") + std::string("Privacy-utility frontier: ") + r.label;
  c.x_label = "re-identification rate by BM25 (lower is more private)";
  c.y_label = "accuracy";
  c.percent_x = c.percent_y = true;
  c.x_ticks = c.y_ticks = unit_ticks();
  for (const std::string& m : r.mechanisms) {
    ChartSeries series{m, {}, true};
    for (const PrivacyStat& p : r.privacy) {
      if (p.mechanism != m || p.texts == 0) continue;
      if (const AccuracyStat* a = find_accuracy(r, Scenario::kPrivateCot, m, p.eps)) {
        series.points.push_back({p.reidentification_rate(), a->accuracy, a->ci.low, a->ci.high,
                                 p.reidentified_ci.low, p.reidentified_ci.high,
                                 fmt::format("eps {:g}", p.eps)});
      }
    }
    if (!series.points.empty()) c.series.push_back(std::move(series));
  }
  ChartSeries baselines{"S1 (nothing sent), S2 (original sent)", {}, false};
  if (const AccuracyStat* a = find_accuracy(r, Scenario::kLocal)) {
    baselines.points.push_back({0, a->accuracy, a->ci.low, a->ci.high, {}, {}, "S1"});
  }
  const auto original = std::find_if(r.privacy.begin(), r.privacy.end(), [](const PrivacyStat& p) {
    return p.mechanism == "original";
  });
  const AccuracyStat* s2 = find_accuracy(r, Scenario::kRemoteCot);
  if (s2 != nullptr && original != r.privacy.end() && original->texts > 0) {
    baselines.points.push_back(
        {original->reidentification_rate(), s2->accuracy, s2->ci.low, s2->ci.high, {}, {}, "S2"});
  }
  if (!baselines.points.empty()) c.series.push_back(std::move(baselines));
  return c;
}

}  // namespace privqa::report
