#include "privqa/report/multiplicity.h"

#include <algorithm>
#include <numeric>

namespace privqa::report {

namespace {

// Indices of `p` by ascending value; ties keep their input order.
std::vector<size_t> ascending(const std::vector<double>& p) {
  std::vector<size_t> order(p.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  return order;
}

}  // namespace

std::vector<double> holm_adjust(const std::vector<double>& p) {
  const std::vector<size_t> order = ascending(p);
  const double m = static_cast<double>(p.size());
  std::vector<double> out(p.size());
  double running_max = 0;
  for (size_t rank = 0; rank < order.size(); ++rank) {
    const double scaled = std::min(1.0, (m - static_cast<double>(rank)) * p[order[rank]]);
    running_max = std::max(running_max, scaled);
    out[order[rank]] = running_max;
  }
  return out;
}

std::vector<double> benjamini_hochberg(const std::vector<double>& p) {
  const std::vector<size_t> order = ascending(p);
  const double m = static_cast<double>(p.size());
  std::vector<double> out(p.size());
  double running_min = 1;
  for (size_t rank = order.size(); rank-- > 0;) {
    const double scaled = m * p[order[rank]] / static_cast<double>(rank + 1);
    running_min = std::min(running_min, scaled);
    out[order[rank]] = running_min;
  }
  return out;
}

}  // namespace privqa::report
