#include "privqa/attack/quantiles.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace privqa::attack {

double quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double share = position - static_cast<double>(below);
  return sorted[below] + share * (sorted[above] - sorted[below]);
}

Quantiles summarize(std::vector<double> values) {
  Quantiles out;
  out.n = values.size();
  if (values.empty()) return out;
  std::sort(values.begin(), values.end());
  out.min = values.front();
  out.p5 = quantile(values, 0.05);
  out.p25 = quantile(values, 0.25);
  out.median = quantile(values, 0.5);
  out.p75 = quantile(values, 0.75);
  out.p95 = quantile(values, 0.95);
  out.max = values.back();
  out.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(out.n);
  return out;
}

}  // namespace privqa::attack
