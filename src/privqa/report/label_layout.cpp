#include "privqa/report/label_layout.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace privqa::report {

namespace {

// Overlaps thinner than this are rounding, not overlap: labels stacked
// exactly one height apart must not count as touching.
constexpr double kSlack = 1e-6;

double em_width(unsigned char c) {
  if (c >= 0x80) return 1.0;  // a non-ASCII code point (counted once, below)
  if (std::strchr("ijlfIJ.,:;'!|()[]/ -", c) != nullptr) return 0.4;
  if (std::strchr("mwMW%+=@&<>#~^", c) != nullptr) return 1.0;
  if (c >= 'A' && c <= 'Z') return 0.8;
  return 0.66;
}

}  // namespace

bool Box::intersects(const Box& o) const {
  return left < o.right - kSlack && o.left < right - kSlack && top < o.bottom - kSlack &&
         o.top < bottom - kSlack;
}

bool Box::inside(const Box& o) const {
  return left >= o.left - kSlack && right <= o.right + kSlack && top >= o.top - kSlack &&
         bottom <= o.bottom + kSlack;
}

double text_width(std::string_view text, double font_size, bool bold) {
  double ems = 0;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte of a UTF-8 sequence
    ems += em_width(c);
  }
  return ems * font_size * (bold ? 1.15 : 1.0);
}

Box text_box(std::string_view text, double font_size, double x, double baseline, Anchor anchor,
             bool bold) {
  const double w = text_width(text, font_size, bold);
  const double left = anchor == Anchor::kStart ? x : anchor == Anchor::kMiddle ? x - w / 2 : x - w;
  return {left, baseline - 0.8 * font_size, left + w, baseline + 0.25 * font_size};
}

std::vector<double> spread_apart(const std::vector<double>& desired, double height, double top,
                                 double bottom) {
  std::vector<size_t> order(desired.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return desired[a] < desired[b]; });
  std::vector<double> y(desired.size());
  const double first = top + height / 2, last = bottom - height / 2;
  // Down: each at its wish, or just below the one above.
  for (size_t k = 0; k < order.size(); ++k) {
    y[order[k]] = std::max(desired[order[k]], k == 0 ? first : y[order[k - 1]] + height);
  }
  // Up: those pushed past the bottom go back up, pushing the ones above.
  for (size_t k = order.size(); k-- > 0;) {
    y[order[k]] = std::min(y[order[k]], k + 1 == order.size() ? last : y[order[k + 1]] - height);
  }
  // Too many to fit: from the top down.
  if (!order.empty() && y[order[0]] < first) {
    for (size_t k = 0; k < order.size(); ++k)
      y[order[k]] = std::max(y[order[k]], k == 0 ? first : y[order[k - 1]] + height);
  }
  return y;
}

bool LabelPlacer::free(const Box& box, bool avoid_soft) const {
  if (!box.inside(area_)) return false;
  const auto hits = [&](const Box& other) { return box.intersects(other); };
  if (std::any_of(hard_.begin(), hard_.end(), hits)) return false;
  return !avoid_soft || std::none_of(soft_.begin(), soft_.end(), hits);
}

std::optional<Box> LabelPlacer::place(double width, double height,
                                      const std::vector<std::pair<double, double>>& preferred) {
  const auto box_at = [&](double x, double y) { return Box{x, y, x + width, y + height}; };
  std::vector<std::pair<double, double>> grid;  // filled on the first miss
  for (const bool avoid_soft : {true, false}) {
    for (const auto& [x, y] : preferred) {
      if (free(box_at(x, y), avoid_soft)) return hard_.emplace_back(box_at(x, y));
    }
    if (grid.empty()) {
      for (double y = area_.top; y + height <= area_.bottom; y += 2) {
        for (double x = area_.left; x + width <= area_.right; x += 2)
          grid.emplace_back(x, y);
      }
      const double px = preferred.front().first, py = preferred.front().second;
      const auto distance = [&](const std::pair<double, double>& p) {
        return (p.first - px) * (p.first - px) + (p.second - py) * (p.second - py);
      };
      std::stable_sort(grid.begin(), grid.end(),
                       [&](const auto& a, const auto& b) { return distance(a) < distance(b); });
    }
    for (const auto& [x, y] : grid) {
      if (free(box_at(x, y), avoid_soft)) return hard_.emplace_back(box_at(x, y));
    }
  }
  return std::nullopt;
}

}  // namespace privqa::report
