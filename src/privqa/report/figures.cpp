#include "privqa/report/figures.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>

namespace privqa::report {

namespace {

// Colour-blind safe palettes: Okabe & Ito's for the known kinds, Tol's
// "muted" (without its teal, near Okabe & Ito's green) for other labels.
const std::map<std::string, SeriesStyle>& known_styles() {
  static const std::map<std::string, SeriesStyle> styles = {
      {"phrasedp", {"#0072B2", Marker::kCircle, ""}},
      {"inferdpt", {"#D55E00", Marker::kSquare, "8 4"}},
      {"santext", {"#009E73", Marker::kTriangleUp, "2 3"}},
      {"santext+", {"#CC79A7", Marker::kDiamond, "8 3 2 3"}},
      {"custext+", {"#E69F00", Marker::kTriangleDown, "12 4"}},
  };
  return styles;
}
constexpr std::array kOtherColors = {"#CC6677", "#332288", "#DDCC77", "#117733",
                                     "#88CCEE", "#882255", "#999933", "#AA4499"};
constexpr std::array kMarkers = {Marker::kCircle, Marker::kSquare, Marker::kDiamond,
                                 Marker::kTriangleUp, Marker::kTriangleDown};
constexpr std::array kDashes = {"", "8 4", "2 3", "8 3 2 3", "12 4"};

// The reference scenarios in greys, told apart by their dashes.
SeriesStyle reference_style(Scenario s) {
  switch (s) {
    case Scenario::kLocal:
      return {"#333333", Marker::kNone, "6 3"};
    case Scenario::kRemoteCot:
      return {"#777777", Marker::kNone, "2 3"};
    case Scenario::kRemote:
      return {"#555555", Marker::kNone, "10 4 2 4"};
    default:
      return {"#999999", Marker::kNone, "1 5"};
  }
}

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

// Where mechanism `m` at `eps` lies on `axis`, with its interval when the
// axis has one; nullopt when not measured.
struct AxisValue {
  double x = 0;
  std::optional<double> low, high;
};
std::optional<AxisValue> axis_value(const RunReport& r, PrivacyAxis axis, const std::string& m,
                                    double eps) {
  switch (axis) {
    case PrivacyAxis::kReidentification:
      for (const PrivacyStat& p : r.privacy) {
        if (p.mechanism == m && p.eps == eps && p.texts > 0) {
          return AxisValue{p.reidentification_rate(), p.reidentified_ci.low,
                           p.reidentified_ci.high};
        }
      }
      return std::nullopt;
    case PrivacyAxis::kReconstruction:
      for (Scenario s : {Scenario::kReconstruct, Scenario::kReconstructAnswer}) {
        for (const ReconstructionStat& x : r.reconstruction) {
          if (x.scenario == s && x.mechanism == m && x.eps == eps && x.bm25_top1.trials > 0) {
            return AxisValue{x.bm25_top1.value(), x.bm25_top1.ci.low, x.bm25_top1.ci.high};
          }
        }
      }
      return std::nullopt;
    case PrivacyAxis::kInversion:
      for (const OfflineAttackStat& a : r.offline_attacks) {
        if (a.mechanism == m && a.eps == eps && a.exact_channel && a.recovery.trials > 0) {
          return AxisValue{a.recovery.value(), a.recovery.ci.low, a.recovery.ci.high};
        }
      }
      return std::nullopt;
    case PrivacyAxis::kEps:
      return AxisValue{eps, std::nullopt, std::nullopt};
  }
  return std::nullopt;
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
  c.label_line_ends = true;
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
    ChartSeries series{m, mechanism_style(m), {}, Connect::kLine};
    for (double e : eps) {
      if (const AccuracyStat* a = find_accuracy(r, Scenario::kPrivateCot, m, e)) {
        series.points.push_back(
            {.x = e, .y = a->accuracy, .y_low = a->ci.low, .y_high = a->ci.high});
      }
    }
    if (!series.points.empty()) c.series.push_back(std::move(series));
  }
  for (Scenario s :
       {Scenario::kLocal, Scenario::kRemoteCot, Scenario::kRemote, Scenario::kLocalSelfCot}) {
    if (const AccuracyStat* a = find_accuracy(r, s)) {
      c.bands.push_back(
          {scenario_title(s), reference_style(s), a->accuracy, a->ci.low, a->ci.high});
    }
  }
  return c;
}

Chart frontier_figure(const RunReport& r, PrivacyAxis axis) {
  Chart c;
  c.title = (r.simulated ? "SIMULATED " : "") + std::string("Privacy-utility frontier: ") + r.label;
  c.y_label = "accuracy";
  c.percent_y = true;
  c.y_ticks = unit_ticks();
  std::vector<double> eps;
  for (const AccuracyStat& a : r.accuracy) {
    if (a.scenario == Scenario::kPrivateCot) eps.push_back(a.eps);
  }
  std::sort(eps.begin(), eps.end());
  eps.erase(std::unique(eps.begin(), eps.end()), eps.end());
  if (axis == PrivacyAxis::kEps) {
    c.x_label = "nominal epsilon (lower is more private)";
    c.x_ticks = eps;
    c.x_ticks.insert(c.x_ticks.begin(), 0);
    c.x_max = eps.empty() ? 1 : eps.back() * 1.1;
  } else {
    c.x_label = axis == PrivacyAxis::kReidentification
                    ? "re-identification rate by BM25 (lower is more private)"
                : axis == PrivacyAxis::kInversion
                    ? "inversion: word tokens recovered by MAP (lower is more private)"
                    : "reconstruction attack: re-identified top-1 by BM25 (lower is more private)";
    c.percent_x = true;
    c.x_ticks = unit_ticks();
  }
  for (const std::string& m : r.mechanisms) {
    ChartSeries series{m, mechanism_style(m), {}, Connect::kNone};
    for (double e : eps) {
      const auto x = axis_value(r, axis, m, e);
      if (!x) continue;
      if (const AccuracyStat* a = find_accuracy(r, Scenario::kPrivateCot, m, e)) {
        series.points.push_back({.x = x->x,
                                 .y = a->accuracy,
                                 .y_low = a->ci.low,
                                 .y_high = a->ci.high,
                                 .x_low = x->low,
                                 .x_high = x->high,
                                 .label = fmt::format("eps {:g}", e)});
      }
    }
    if (!series.points.empty()) c.series.push_back(std::move(series));
  }
  const bool with_s2 = axis == PrivacyAxis::kReidentification || axis == PrivacyAxis::kInversion;
  ChartSeries baselines{with_s2 ? "S1 (nothing sent), S2 (original sent)" : "S1 (nothing sent)",
                        {"#555555", Marker::kSquare, ""},
                        {},
                        Connect::kNone};
  if (const AccuracyStat* a = find_accuracy(r, Scenario::kLocal)) {
    baselines.points.push_back(
        {.x = 0, .y = a->accuracy, .y_low = a->ci.low, .y_high = a->ci.high, .label = "S1"});
  }
  const auto original = std::find_if(r.privacy.begin(), r.privacy.end(), [](const PrivacyStat& p) {
    return p.mechanism == "original";
  });
  const AccuracyStat* s2 = find_accuracy(r, Scenario::kRemoteCot);
  std::optional<double> s2_rate;
  if (axis == PrivacyAxis::kReidentification && original != r.privacy.end() &&
      original->texts > 0) {
    s2_rate = original->reidentification_rate();
  }
  // The original words themselves: an identity channel, every word recovered.
  if (axis == PrivacyAxis::kInversion && !r.offline_attacks.empty()) s2_rate = 1.0;
  if (s2 != nullptr && s2_rate) {
    baselines.points.push_back({.x = *s2_rate,
                                .y = s2->accuracy,
                                .y_low = s2->ci.low,
                                .y_high = s2->ci.high,
                                .label = "S2"});
  }
  if (!baselines.points.empty()) c.series.push_back(std::move(baselines));

  // Every option, S1 and S2 among them: a mechanism that S1 dominates does
  // worse than sending nothing.
  std::vector<ChartPoint*> all;
  std::vector<FrontierPoint> values;
  for (ChartSeries& series : c.series) {
    for (ChartPoint& p : series.points) {
      all.push_back(&p);
      values.push_back({p.x, p.y});
    }
  }
  const std::vector<bool> in_set = pareto_set(values);
  ChartSeries frontier{"Pareto frontier", {"#222222", Marker::kNone, ""}, {}, Connect::kSteps};
  for (size_t i = 0; i < all.size(); ++i) {
    all[i]->hollow = !in_set[i];
    if (in_set[i]) frontier.points.push_back({.x = values[i].rate, .y = values[i].accuracy});
  }
  std::sort(
      frontier.points.begin(), frontier.points.end(),
      [](const ChartPoint& a, const ChartPoint& b) { return a.x != b.x ? a.x < b.x : a.y < b.y; });
  if (!frontier.points.empty()) {
    // First, so that its line lies under the points.
    c.series.insert(c.series.begin(), std::move(frontier));
    c.notes.push_back("filled: Pareto set; hollow: dominated");
  }
  return c;
}

SeriesStyle mechanism_style(const std::string& label) {
  const auto known = known_styles().find(label);
  if (known != known_styles().end()) return known->second;
  uint64_t h = XXH3_64bits(label.data(), label.size());
  SeriesStyle style;
  style.color = kOtherColors[h % kOtherColors.size()];
  h /= kOtherColors.size();
  style.marker = kMarkers[h % kMarkers.size()];
  h /= kMarkers.size();
  style.dash = kDashes[h % kDashes.size()];
  return style;
}

std::vector<bool> pareto_set(const std::vector<FrontierPoint>& points) {
  std::vector<bool> in_set(points.size(), true);
  for (size_t i = 0; i < points.size(); ++i) {
    for (const FrontierPoint& q : points) {
      const FrontierPoint& p = points[i];
      if (q.rate <= p.rate && q.accuracy >= p.accuracy &&
          (q.rate < p.rate || q.accuracy > p.accuracy)) {
        in_set[i] = false;
        break;
      }
    }
  }
  return in_set;
}

}  // namespace privqa::report
