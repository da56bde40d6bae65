#include "privqa/report/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>

namespace privqa::report {

namespace {

constexpr double kWidth = 780, kHeight = 440;
constexpr double kLeft = 70, kRight = 260, kTop = 50, kBottom = 60;  // margins
// Colour-blind safe palette (Okabe & Ito); references use greys and dashes.
const char* const kColors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                               "#E69F00", "#56B4E9", "#F0E442", "#000000"};
const char* const kReferenceDash[] = {"6 3", "2 3", "10 4 2 4", "1 6"};

std::string tick_text(double v, bool percent) {
  return percent ? fmt::format("{:g}%", 100 * v) : fmt::format("{:g}", v);
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
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  const auto sx = [&](double x) {
    const double t = c.x_max > c.x_min ? (x - c.x_min) / (c.x_max - c.x_min) : 0.5;
    return kLeft + std::clamp(t, 0.0, 1.0) * plot_w;
  };
  const auto sy = [&](double y) {
    const double t = c.y_max > c.y_min ? (y - c.y_min) / (c.y_max - c.y_min) : 0.5;
    return kTop + (1.0 - std::clamp(t, 0.0, 1.0)) * plot_h;
  };

  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<title>{2}</title>\n"
      "<text x=\"{3}\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{2}</text>\n",
      kWidth, kHeight, escape_xml(c.title), kLeft);

  // Grid, ticks and axis labels.
  for (double y : c.y_ticks) {
    s += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#e0e0e0\"/>\n"
        "<text x=\"{3:.1f}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
        kLeft, sy(y), kLeft + plot_w, kLeft - 6, sy(y) + 4, tick_text(y, c.percent_y));
  }
  for (double x : c.x_ticks) {
    s += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#e0e0e0\"/>\n"
        "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
        sx(x), kTop, kTop + plot_h, kTop + plot_h + 18, tick_text(x, c.percent_x));
  }
  s += fmt::format(
      "<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" fill=\"none\" stroke=\"#444\"/>\n"
      "<text x=\"{4:.1f}\" y=\"{5:.1f}\" text-anchor=\"middle\">{6}</text>\n"
      "<text transform=\"translate(18 {7:.1f}) rotate(-90)\" text-anchor=\"middle\">{8}</text>\n",
      kLeft, kTop, plot_w, plot_h, kLeft + plot_w / 2, kHeight - 16, escape_xml(c.x_label),
      kTop + plot_h / 2, escape_xml(c.y_label));

  double legend_y = kTop + 8;
  const double legend_x = kLeft + plot_w + 16;
  for (size_t i = 0; i < c.references.size(); ++i) {
    const ReferenceLine& r = c.references[i];
    const char* dash = kReferenceDash[i % std::size(kReferenceDash)];
    s += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#555\" "
        "stroke-width=\"1.5\" stroke-dasharray=\"{3}\"/>\n",
        kLeft, sy(r.y), kLeft + plot_w, dash);
    s += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#555\" "
        "stroke-width=\"1.5\" stroke-dasharray=\"{3}\"/>\n"
        "<text x=\"{4:.1f}\" y=\"{5:.1f}\">{6}</text>\n",
        legend_x, legend_y, legend_x + 24, dash, legend_x + 30, legend_y + 4,
        escape_xml(fmt::format("{} {:.1f}%", r.name, 100 * r.y)));
    legend_y += 18;
  }
  for (size_t i = 0; i < c.series.size(); ++i) {
    const ChartSeries& series = c.series[i];
    const char* color = kColors[i % std::size(kColors)];
    // A small horizontal offset per series keeps interval bars at the same x apart.
    const double nudge =
        c.offset_series
            ? (static_cast<double>(i) - (static_cast<double>(c.series.size()) - 1) / 2) * 4
            : 0.0;
    std::string path;
    for (const ChartPoint& p : series.points) {
      const double x = sx(p.x) + nudge, y = sy(p.y);
      if (p.y_low && p.y_high) {
        s += fmt::format(
            "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\"/>\n"
            "<line x1=\"{4:.1f}\" y1=\"{1:.1f}\" x2=\"{5:.1f}\" y2=\"{1:.1f}\" stroke=\"{3}\"/>\n"
            "<line x1=\"{4:.1f}\" y1=\"{2:.1f}\" x2=\"{5:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\"/>\n",
            x, sy(*p.y_low), sy(*p.y_high), color, x - 4, x + 4);
      }
      if (p.x_low && p.x_high) {
        s += fmt::format(
            "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"{3}\" "
            "stroke-opacity=\"0.6\"/>\n",
            sx(*p.x_low), y, sx(*p.x_high), color);
      }
      path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", x, y);
      s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"{}\"/>\n", x, y, color);
      if (!p.label.empty()) {
        s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" fill=\"{}\">{}</text>\n",
                         x + 6, y - 6, color, escape_xml(p.label));
      }
    }
    if (series.connect && series.points.size() > 1) {
      s += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n", path,
                       color);
    }
    s += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"{}\"/>\n"
        "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n",
        legend_x + 12, legend_y, color, legend_x + 30, legend_y + 4, escape_xml(series.name));
    legend_y += 18;
  }
  s += "</svg>\n";
  return s;
}

}  // namespace privqa::report
