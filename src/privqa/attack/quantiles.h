// A distribution summarised by its quantiles and mean, as the deniability
// statistics are reported (docs/privacy.md).
#pragma once

#include <cstddef>
#include <vector>

namespace privqa::attack {

struct Quantiles {
  size_t n = 0;
  double min = 0, p5 = 0, p25 = 0, median = 0, p75 = 0, p95 = 0, max = 0, mean = 0;
};

// The q-quantile of sorted values by linear interpolation between order
// statistics: position q (n - 1), 0-based (Hyndman and Fan's type 7, the
// default of R and NumPy). Requires sorted, non-empty values.
double quantile(const std::vector<double>& sorted, double q);

// All zeros when values is empty.
Quantiles summarize(std::vector<double> values);

}  // namespace privqa::attack
