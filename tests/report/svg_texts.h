// The texts of an SVG written by render_svg with their boxes, for checking
// that no two overlap.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "privqa/report/label_layout.h"

namespace privqa::report {

struct SvgText {
  std::string text;
  Box box;
};

inline std::string unescape(std::string s) {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}}) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1))
      s.replace(at, from.size(), to);
  }
  return s;
}

inline double number(const std::map<std::string, std::string>& attributes, const std::string& name,
                     double otherwise) {
  const auto it = attributes.find(name);
  return it == attributes.end() ? otherwise : std::stod(it->second);
}

// Every <text> of `svg` with its box. The box is the one the chart code
// assumes (text_box: text_width wide, 0.8 em above the baseline to 0.25 em
// below), placed here from the element's own attributes: x, y, text-anchor,
// font-size (12 inherited from the root), font-weight, and for the rotated
// axis label transform="translate(X Y) rotate(-90)", which turns the box
// about (X, Y).
inline std::vector<SvgText> texts_of(const std::string& svg) {
  std::vector<SvgText> out;
  static const std::regex element(R"(<text([^>]*)>([^<]*)</text>)");
  static const std::regex attribute(R"re(([a-z-]+)="([^"]*)")re");
  static const std::regex rotated(R"(translate\(([-0-9.]+) ([-0-9.]+)\) rotate\(-90\))");
  for (std::sregex_iterator it(svg.begin(), svg.end(), element), end; it != end; ++it) {
    std::map<std::string, std::string> a;
    const std::string attributes = (*it)[1];
    for (std::sregex_iterator at(attributes.begin(), attributes.end(), attribute); at != end; ++at)
      a[(*at)[1]] = (*at)[2];
    const std::string text = unescape((*it)[2]);
    const double size = number(a, "font-size", 12);
    const bool bold = a["font-weight"] == "bold";
    const Anchor anchor = a["text-anchor"] == "middle" ? Anchor::kMiddle
                          : a["text-anchor"] == "end"  ? Anchor::kEnd
                                                       : Anchor::kStart;
    std::smatch turn;
    if (a.count("transform") && std::regex_match(a["transform"], turn, rotated)) {
      // rotate(-90) maps (x, y) to (y, -x) about the translated origin.
      const Box flat = text_box(text, size, 0, 0, anchor, bold);
      const double ox = std::stod(turn[1]), oy = std::stod(turn[2]);
      out.push_back({text, {ox + flat.top, oy - flat.right, ox + flat.bottom, oy - flat.left}});
    } else {
      EXPECT_FALSE(a.count("transform")) << "unexpected transform: " << a["transform"];
      out.push_back(
          {text, text_box(text, size, number(a, "x", 0), number(a, "y", 0), anchor, bold)});
    }
  }
  return out;
}

inline std::pair<double, double> size_of(const std::string& svg) {
  std::smatch m;
  static const std::regex root(R"re(<svg [^>]*width="([0-9.]+)" height="([0-9.]+)")re");
  if (!std::regex_search(svg, m, root)) return {0, 0};
  return {std::stod(m[1]), std::stod(m[2])};
}

inline void expect_no_overlap_and_inside(const std::string& svg) {
  const std::vector<SvgText> texts = texts_of(svg);
  ASSERT_GT(texts.size(), 10u);
  const auto [width, height] = size_of(svg);
  const Box picture{0, 0, width, height};
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_TRUE(texts[i].box.inside(picture))
        << texts[i].text << " outside " << width << "x" << height;
    for (size_t j = i + 1; j < texts.size(); ++j) {
      const Box& a = texts[i].box;
      const Box& b = texts[j].box;
      const bool apart =
          a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
      EXPECT_TRUE(apart) << '"' << texts[i].text << "\" [" << a.left << "," << a.top << " - "
                         << a.right << "," << a.bottom << "] overlaps \"" << texts[j].text << "\" ["
                         << b.left << "," << b.top << " - " << b.right << "," << b.bottom << "]";
    }
  }
}

}  // namespace privqa::report
