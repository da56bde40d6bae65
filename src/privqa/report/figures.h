// The report's two figures, as charts (svg_chart.h), and what they are
// drawn with: each mechanism's style and the privacy-utility Pareto set.
#pragma once

#include <string>
#include <vector>

#include "privqa/report/run_report.h"
#include "privqa/report/svg_chart.h"

namespace privqa::report {

// Accuracy vs eps, one series per mechanism with Wilson 95% bars, each
// labelled at its line's end; S1, S2 and S4 (and S5 when run) as bands of
// their Wilson 95% intervals.
Chart accuracy_figure(const RunReport& report);

// What a frontier figure measures privacy by (lower is more private).
enum class PrivacyAxis {
  kReidentification,  // BM25 re-identification of the sanitized texts (the privacy table)
  kReconstruction,    // the reconstruction attack's top-1 BM25 re-identification (A1, else A2)
  kInversion,         // the offline inversion's word token recovery (RunReport::offline_attacks)
  kEps,               // the nominal eps
};

// The privacy-utility frontier: the privacy axis (x) vs S3's accuracy (y) for
// every mechanism x eps, both with 95% bars where the axis has them, and S1
// (nothing sent: 0 on every axis) and, on the re-identification and the
// inversion axes, S2 (original text sent: its own rate, and every word
// recovered) as points; the Pareto set of them all filled and joined by a
// staircase, dominated points hollow. Empty series without rows for the
// axis (a mechanism without an exact channel has no inversion point).
Chart frontier_figure(const RunReport& report, PrivacyAxis axis = PrivacyAxis::kReidentification);

// A mechanism's colour, marker and dash in every figure of every report,
// whatever else a run has: fixed for the kinds privqa knows (phrasedp,
// inferdpt, santext, santext+, custext+), and for any other label (an
// instance such as "phrasedp-minilm") chosen by a hash of the label.
SeriesStyle mechanism_style(const std::string& label);

struct FrontierPoint {
  double rate = 0;      // the privacy axis's value: lower is more private
  double accuracy = 0;  // higher is better
};

// Whether each point is in the Pareto set: no other point has at most its
// rate and at least its accuracy with one of the two strictly better. Equal
// points do not dominate each other, so both are in the set.
std::vector<bool> pareto_set(const std::vector<FrontierPoint>& points);

}  // namespace privqa::report
