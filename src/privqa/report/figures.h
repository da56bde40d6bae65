// The report's two figures, as charts (svg_chart.h).
#pragma once

#include "privqa/report/run_report.h"
#include "privqa/report/svg_chart.h"

namespace privqa::report {

// Accuracy vs eps, one series per mechanism with Wilson 95% bars; S1, S2 and
// S4 (and S5 when run) as horizontal reference lines.
Chart accuracy_figure(const RunReport& report);

// The privacy-utility frontier: re-identification rate (x) vs accuracy (y) for
// every mechanism x eps, both with 95% bars; S1 (nothing sent: rate 0) and S2
// (original text sent) as reference points. Empty series without privacy rows.
Chart frontier_figure(const RunReport& report);

}  // namespace privqa::report
