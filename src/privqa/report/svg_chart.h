// A small SVG chart: series of points with optional interval bars, reference
// bands, axes with ticks, and a column of labels at the right. No two texts
// of a chart overlap (by text_box, label_layout.h): point labels move to the
// nearest free place (with a leader line when moved far), column labels are
// spread apart, and a tick label that would overlap its neighbour is left
// out. Self-contained markup (no scripts, fonts or external references) for
// inline use in HTML.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace privqa::report {

enum class Marker { kNone, kCircle, kSquare, kDiamond, kTriangleUp, kTriangleDown };

// How a series looks; marker and dash tell series apart without colour.
struct SeriesStyle {
  std::string color = "#000000";
  Marker marker = Marker::kCircle;
  std::string dash;  // SVG stroke-dasharray of the series' line; empty: solid
};

struct ChartPoint {
  double x = 0, y = 0;
  std::optional<double> y_low, y_high;  // vertical interval bar
  std::optional<double> x_low, x_high;  // horizontal interval bar
  std::string label;                    // written beside the point when not empty
  bool hollow = false;                  // drawn as a light outline, bars faded
};

enum class Connect {
  kNone,
  kLine,   // straight segments through the points in order
  kSteps,  // horizontal then vertical segments, as a staircase
};

struct ChartSeries {
  std::string name;
  SeriesStyle style;
  std::vector<ChartPoint> points;
  Connect connect = Connect::kLine;
};

// A horizontal band from `low` to `high` with a line at `y`, labelled with
// its name, y and interval.
struct ReferenceBand {
  std::string name;
  SeriesStyle style;  // colour of the band and line; the line's dash
  double y = 0, low = 0, high = 0;
};

struct Chart {
  std::string title;
  std::string x_label, y_label;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  std::vector<double> x_ticks, y_ticks;
  bool percent_x = false, percent_y = false;  // tick and band values as percentages
  // Shift each series a few pixels sideways, so interval bars of series that
  // share x values stay apart.
  bool offset_series = false;
  std::vector<ChartSeries> series;
  std::vector<ReferenceBand> bands;
  // Where the column labels each band and series: true, level with the band
  // and with the series' last point, joined to it by a line (labels at the
  // ends of lines); false, stacked from the top as a legend.
  bool label_line_ends = false;
  std::vector<std::string> notes;  // lines under the labels (e.g. what hollow means)
};

// Values outside the axis ranges are clamped to the plot area. The SVG is at
// least 780 x 440 px, wider for long labels and taller for many.
std::string render_svg(const Chart& chart);

// "&", "<", ">", '"' escaped for XML/HTML text and attributes.
std::string escape_xml(const std::string& text);

}  // namespace privqa::report
