// A small SVG line chart: series of points with optional vertical interval
// bars, horizontal reference lines, axes with ticks, a legend. Self-contained
// markup (no scripts, fonts or external references) for inline use in HTML.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace privqa::report {

struct ChartPoint {
  double x = 0, y = 0;
  std::optional<double> y_low, y_high;  // interval bar
  std::optional<double> x_low, x_high;  // horizontal interval bar
  std::string label;                    // written beside the point when not empty
};

struct ChartSeries {
  std::string name;
  std::vector<ChartPoint> points;
  bool connect = true;  // draw a line through the points in order
};

struct ReferenceLine {
  std::string name;
  double y = 0;
};

struct Chart {
  std::string title;
  std::string x_label, y_label;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  std::vector<double> x_ticks, y_ticks;
  bool percent_x = false, percent_y = false;  // tick labels as percentages
  // Shift each series a few pixels sideways, so interval bars of series that
  // share x values stay apart.
  bool offset_series = false;
  std::vector<ChartSeries> series;
  std::vector<ReferenceLine> references;
};

// Values outside the axis ranges are clamped to the plot area.
std::string render_svg(const Chart& chart);

// "&", "<", ">", '"' escaped for XML/HTML text and attributes.
std::string escape_xml(const std::string& text);

}  // namespace privqa::report
