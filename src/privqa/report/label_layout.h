// Placing a chart's labels so that no two overlap (docs/reports.md,
// "Figures"): the extent of a text in the charts' sans-serif font, a column
// of labels spread apart vertically, and labels beside points moved to the
// nearest free place.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace privqa::report {

// An axis-aligned box in SVG pixels (y grows downwards).
struct Box {
  double left = 0, top = 0, right = 0, bottom = 0;
  // True when the interiors overlap; boxes that only touch do not.
  bool intersects(const Box& other) const;
  bool inside(const Box& other) const;
};

// How a text's x relates to its box: SVG's text-anchor start, middle, end.
enum class Anchor { kStart, kMiddle, kEnd };

// The width a text of `font_size` px (UTF-8) is assumed to take, by
// character: narrow ones ("ijlfIJ.,:;'!|()[]/ -") 0.4 em, wide ones
// ("mwMW%+=@&<>#~^") 1.0 em, other upper case letters 0.8 em, any other ASCII
// character 0.66 em, a non-ASCII one 1.0 em; bold x 1.15. Each is at least
// the advance of its glyph in DejaVu Sans (the sans-serif of Debian, where
// the figures are tested in Chromium) and in Arial, regular and bold, so
// texts apart by this estimate are apart on screen.
double text_width(std::string_view text, double font_size, bool bold = false);

// The box of a text drawn at (x, baseline): text_width wide, from 0.8 em
// above the baseline to 0.25 em below (capitals and descenders of DejaVu
// Sans stay inside).
Box text_box(std::string_view text, double font_size, double x, double baseline,
             Anchor anchor = Anchor::kStart, bool bold = false);

// Centres for labels `height` tall that want to be at `desired` (any order),
// returned in the order of `desired`: at least `height` apart, in the order
// of their wishes, each moved from its wish only as far as a pass down and a
// pass back up push it; the labels lie inside [top, bottom] when they fit
// there, and otherwise run from `top` downwards past `bottom`.
std::vector<double> spread_apart(const std::vector<double>& desired, double height, double top,
                                 double bottom);

// Finds free places for boxes inside an area, one box at a time: a placed
// box never intersects one placed before it or a hard obstacle.
class LabelPlacer {
 public:
  explicit LabelPlacer(const Box& area) : area_(area) {}

  // Something a box must not cover (e.g. a text drawn elsewhere).
  void add_obstacle(const Box& box) { hard_.push_back(box); }
  // Something a box should rather not cover (e.g. a data point): avoided
  // while the area has room elsewhere.
  void add_soft_obstacle(const Box& box) { soft_.push_back(box); }

  // A free place for a `width` x `height` box whose top-left corner is at the
  // first of `preferred` that is free, else at the free point of a 2-px grid
  // over the area nearest preferred[0]; free means inside the area and clear
  // of placed boxes and obstacles, soft ones ignored only when nothing is
  // clear of them. None when the area holds no free place; a place found
  // counts as placed. `preferred` must not be empty.
  std::optional<Box> place(double width, double height,
                           const std::vector<std::pair<double, double>>& preferred);

 private:
  bool free(const Box& box, bool avoid_soft) const;

  Box area_;
  std::vector<Box> hard_, soft_;  // placed boxes are hard obstacles
};

}  // namespace privqa::report
