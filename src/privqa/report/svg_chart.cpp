#include "privqa/report/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "privqa/report/label_layout.h"

namespace privqa::report {

namespace {

constexpr double kMinWidth = 780, kMinHeight = 440;
constexpr double kLeft = 70, kTop = 50, kPlotW = 450, kPlotH = 330;
constexpr double kFont = 12, kPointFont = 10, kNoteFont = 11, kTitleFont = 15;
constexpr double kRow = 18;     // one label of the column
constexpr double kSwatch = 28;  // a label's sample of its line and marker
// The labels of line ends leave room for the lines that join them to the plot.
constexpr double kLegendGap = 16, kLineEndGap = 40;

std::string value_text(double v, bool percent) {
  return percent ? fmt::format("{:g}%", 100 * v) : fmt::format("{:g}", v);
}

std::string precise_text(double v, bool percent) {
  return percent ? fmt::format("{:.1f}%", 100 * v) : fmt::format("{:.3g}", v);
}

std::string dash_attribute(const std::string& dash) {
  return dash.empty() ? "" : fmt::format(" stroke-dasharray=\"{}\"", dash);
}

std::string text_svg(double x, double baseline, const std::string& text, const std::string& extra) {
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\"{}>{}</text>\n", x, baseline, extra,
                     escape_xml(text));
}

std::string line_svg(double x1, double y1, double x2, double y2, const std::string& stroke,
                     const std::string& extra = "") {
  return fmt::format(
      "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"{}/>\n", x1, y1,
      x2, y2, stroke, extra);
}

// A hollow marker is an outline on white, lighter than a filled one.
std::string marker_svg(Marker m, double x, double y, double r, const std::string& color,
                       bool hollow) {
  const std::string paint =
      fmt::format("fill=\"{}\" stroke=\"{}\"{}", hollow ? "white" : color, color,
                  hollow ? " stroke-width=\"1.5\" opacity=\"0.6\"" : "");
  const auto polygon = [&](std::initializer_list<std::pair<double, double>> corners) {
    std::string points;
    for (const auto& [dx, dy] : corners)
      points += fmt::format("{}{:.1f},{:.1f}", points.empty() ? "" : " ", x + dx * r, y + dy * r);
    return fmt::format("<polygon points=\"{}\" {}/>\n", points, paint);
  };
  switch (m) {
    case Marker::kNone:
      return "";
    case Marker::kCircle:
      return fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" {}/>\n", x, y, r, paint);
    case Marker::kSquare:
      return fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" {}/>\n", x - 0.9 * r,
          y - 0.9 * r, 1.8 * r, 1.8 * r, paint);
    case Marker::kDiamond:
      return polygon({{0, -1.25}, {1.25, 0}, {0, 1.25}, {-1.25, 0}});
    case Marker::kTriangleUp:
      return polygon({{0, -1.3}, {1.15, 0.75}, {-1.15, 0.75}});
    case Marker::kTriangleDown:
      return polygon({{0, 1.3}, {1.15, -0.75}, {-1.15, -0.75}});
  }
  return "";
}

// One label of the column at the right: a band's or a series' (with a
// sample of its look), or a point label that found no room in the plot.
struct ColumnLabel {
  std::string text;
  std::string color;  // of the text; empty: black
  const SeriesStyle* swatch = nullptr;
  bool band = false;
  double wish = 0;                                // wanted centre y
  std::optional<std::pair<double, double>> from;  // joined to this point by a line
};

// Where a point's label may go: beside the point, up or down, right or left.
std::vector<std::pair<double, double>> beside(double x, double y, double w, double h) {
  return {{x + 6, y - 6 - h}, {x + 6, y + 6}, {x - 6 - w, y - 6 - h}, {x - 6 - w, y + 6}};
}

// The point of `b` nearest (x, y).
std::pair<double, double> nearest_on(const Box& b, double x, double y) {
  return {std::clamp(x, b.left, b.right), std::clamp(y, b.top, b.bottom)};
}

}  // namespace

std::string escape_xml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_svg(const Chart& c) {
  const double plot_right = kLeft + kPlotW, plot_bottom = kTop + kPlotH;
  const auto sx = [&](double x) {
    const double t = c.x_max > c.x_min ? (x - c.x_min) / (c.x_max - c.x_min) : 0.5;
    return kLeft + std::clamp(t, 0.0, 1.0) * kPlotW;
  };
  const auto sy = [&](double y) {
    const double t = c.y_max > c.y_min ? (y - c.y_min) / (c.y_max - c.y_min) : 0.5;
    return kTop + (1.0 - std::clamp(t, 0.0, 1.0)) * kPlotH;
  };
  // A small horizontal offset per series keeps interval bars at the same x apart.
  const auto nudge = [&](size_t i) {
    if (!c.offset_series) return 0.0;
    return (static_cast<double>(i) - (static_cast<double>(c.series.size()) - 1) / 2) * 4;
  };

  // The plot: bands, then each series' bars, line and markers.
  std::string plot;
  for (const ReferenceBand& b : c.bands) {
    plot += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" "
        "fill-opacity=\"0.13\"/>\n",
        kLeft, sy(b.high), kPlotW, sy(b.low) - sy(b.high), b.style.color);
    plot += line_svg(kLeft, sy(b.y), plot_right, sy(b.y), b.style.color,
                     " stroke-width=\"1.5\"" + dash_attribute(b.style.dash));
  }
  LabelPlacer placer({kLeft + 2, kTop + 2, plot_right - 2, plot_bottom - 2});
  for (size_t i = 0; i < c.series.size(); ++i) {
    for (const ChartPoint& p : c.series[i].points) {
      const double x = sx(p.x) + nudge(i), y = sy(p.y);
      placer.add_soft_obstacle({x - 6, y - 6, x + 6, y + 6});
    }
  }
  std::vector<ColumnLabel> overflow;  // point labels without room in the plot
  std::string point_labels;
  for (size_t i = 0; i < c.series.size(); ++i) {
    const ChartSeries& series = c.series[i];
    const std::string& color = series.style.color;
    std::string path;
    for (const ChartPoint& p : series.points) {
      const double x = sx(p.x) + nudge(i), y = sy(p.y);
      const std::string fade = p.hollow ? " stroke-opacity=\"0.35\"" : "";
      if (p.y_low && p.y_high) {
        plot += line_svg(x, sy(*p.y_low), x, sy(*p.y_high), color, fade) +
                line_svg(x - 4, sy(*p.y_low), x + 4, sy(*p.y_low), color, fade) +
                line_svg(x - 4, sy(*p.y_high), x + 4, sy(*p.y_high), color, fade);
      }
      if (p.x_low && p.x_high) {
        plot += line_svg(sx(*p.x_low), y, sx(*p.x_high), y, color,
                         p.hollow ? fade : " stroke-opacity=\"0.6\"");
      }
      if (path.empty()) {
        path = fmt::format("M{:.1f},{:.1f}", x, y);
      } else if (series.connect == Connect::kSteps) {
        path += fmt::format(" H{:.1f} V{:.1f}", x, y);
      } else {
        path += fmt::format(" L{:.1f},{:.1f}", x, y);
      }
      if (p.label.empty()) continue;
      const double w = text_width(p.label, kPointFont), h = 1.05 * kPointFont;
      const std::optional<Box> at = placer.place(w, h, beside(x, y, w, h));
      if (!at) {
        overflow.push_back({series.name + " " + p.label, color, nullptr, false, y, {{x, y}}});
        continue;
      }
      // A label moved away from its point is joined to it.
      const auto [nx, ny] = nearest_on(*at, x, y);
      if (std::hypot(nx - x, ny - y) > 14) {
        point_labels +=
            line_svg(x, y, nx, ny, color, " stroke-width=\"0.8\" stroke-opacity=\"0.6\"");
      }
      point_labels += text_svg(at->left, at->top + 0.8 * kPointFont, p.label,
                               fmt::format(" font-size=\"{}\" fill=\"{}\"", kPointFont, color));
    }
    if (series.connect != Connect::kNone && series.points.size() > 1) {
      plot += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>\n",
                          path, color, dash_attribute(series.style.dash));
    }
    for (const ChartPoint& p : series.points) {
      plot += marker_svg(series.style.marker, sx(p.x) + nudge(i), sy(p.y), p.hollow ? 4 : 4.5,
                         color, p.hollow);
    }
  }

  // The column: one label per band and series, wanted level with it (line
  // ends) or in order from the top (legend); then the notes.
  const double column_x = plot_right + (c.label_line_ends ? kLineEndGap : kLegendGap);
  std::vector<ColumnLabel> labels;
  const auto legend_wish = [&] { return kTop + 8 + kRow * static_cast<double>(labels.size()); };
  for (const ReferenceBand& b : c.bands) {
    labels.push_back(
        {fmt::format("{} {} [{}, {}]", b.name, precise_text(b.y, c.percent_y),
                     precise_text(b.low, c.percent_y), precise_text(b.high, c.percent_y)),
         "", &b.style, true, c.label_line_ends ? sy(b.y) : legend_wish(), std::nullopt});
    if (c.label_line_ends) labels.back().from = {{plot_right, sy(b.y)}};
  }
  for (const ChartSeries& s : c.series) {
    if (s.points.empty()) continue;
    labels.push_back({s.name, "", &s.style, false,
                      c.label_line_ends ? sy(s.points.back().y) : legend_wish(), std::nullopt});
    if (c.label_line_ends) labels.back().from = {{plot_right, sy(s.points.back().y)}};
  }
  for (ColumnLabel& l : overflow) {
    if (!c.label_line_ends) l.wish = legend_wish();
    labels.push_back(std::move(l));
  }
  std::vector<double> wishes;
  for (const ColumnLabel& l : labels)
    wishes.push_back(l.wish);
  const std::vector<double> centres = spread_apart(wishes, kRow, kTop - 8, plot_bottom + 8);
  std::string legend;
  double right = kLeft + text_width(c.title, kTitleFont, true);
  double bottom = plot_bottom;
  for (size_t i = 0; i < labels.size(); ++i) {
    const ColumnLabel& l = labels[i];
    const double cy = centres[i], text_x = column_x + kSwatch + 6;
    if (l.from) {
      legend += line_svg(l.from->first, l.from->second, column_x - 4, cy, "#999999",
                         " stroke-width=\"0.8\"");
    }
    if (l.swatch != nullptr && l.band) {
      legend += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"10\" fill=\"{}\" "
          "fill-opacity=\"0.13\"/>\n",
          column_x, cy - 5, kSwatch, l.swatch->color);
    }
    if (l.swatch != nullptr) {
      legend += line_svg(column_x, cy, column_x + kSwatch, cy, l.swatch->color,
                         " stroke-width=\"2\"" + dash_attribute(l.swatch->dash));
      legend += marker_svg(l.swatch->marker, column_x + kSwatch / 2, cy, 4, l.swatch->color, false);
    }
    legend += text_svg(text_x, cy + 4, l.text, l.color.empty() ? "" : " fill=\"" + l.color + "\"");
    right = std::max(right, text_x + text_width(l.text, kFont));
    bottom = std::max(bottom, cy + kRow / 2);
  }
  double note_y = kTop + 8;
  for (double y : centres)
    note_y = std::max(note_y, y + kRow);
  for (const std::string& note : c.notes) {
    legend += text_svg(column_x, note_y + 4, note, fmt::format(" font-size=\"{}\"", kNoteFont));
    right = std::max(right, column_x + text_width(note, kNoteFont));
    bottom = std::max(bottom, note_y + kRow / 2);
    note_y += kRow;
  }
  const double width = std::max(kMinWidth, std::ceil(right + 10));
  const double height = std::max(kMinHeight, std::ceil(bottom + 10));

  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"{4}\">\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<title>{2}</title>\n"
      "<text x=\"{3}\" y=\"24\" font-size=\"{5}\" font-weight=\"bold\">{2}</text>\n",
      width, height, escape_xml(c.title), kLeft, kFont, kTitleFont);

  // Grid, ticks and axis labels; a tick label that would overlap the one
  // before it is left out (its grid line stays).
  std::vector<Box> tick_boxes;
  const auto tick_label = [&](double x, double baseline, const std::string& text, Anchor anchor) {
    const Box b = text_box(text, kFont, x, baseline, anchor);
    if (std::any_of(tick_boxes.begin(), tick_boxes.end(),
                    [&](const Box& o) { return b.intersects(o); }))
      return std::string();
    tick_boxes.push_back(b);
    return text_svg(x, baseline, text,
                    anchor == Anchor::kEnd ? " text-anchor=\"end\"" : " text-anchor=\"middle\"");
  };
  for (double y : c.y_ticks) {
    s += line_svg(kLeft, sy(y), plot_right, sy(y), "#e0e0e0") +
         tick_label(kLeft - 6, sy(y) + 4, value_text(y, c.percent_y), Anchor::kEnd);
  }
  for (double x : c.x_ticks) {
    s += line_svg(sx(x), kTop, sx(x), plot_bottom, "#e0e0e0") +
         tick_label(sx(x), plot_bottom + 18, value_text(x, c.percent_x), Anchor::kMiddle);
  }
  s += fmt::format(
      "<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" fill=\"none\" stroke=\"#444\"/>\n"
      "<text x=\"{4:.1f}\" y=\"{5:.1f}\" text-anchor=\"middle\">{6}</text>\n"
      "<text transform=\"translate(18 {7:.1f}) rotate(-90)\" text-anchor=\"middle\">{8}</text>\n",
      kLeft, kTop, kPlotW, kPlotH, kLeft + kPlotW / 2, plot_bottom + 44, escape_xml(c.x_label),
      kTop + kPlotH / 2, escape_xml(c.y_label));
  s += plot + point_labels + legend + "</svg>\n";
  return s;
}

}  // namespace privqa::report
