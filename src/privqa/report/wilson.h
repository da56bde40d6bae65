// Wilson score interval for a binomial proportion (Wilson 1927), the interval
// every accuracy and rate in a report carries.
#pragma once

#include <cstddef>

namespace privqa::report {

// z of a two-sided 95% normal interval.
inline constexpr double kZ95 = 1.959963984540054;

struct Interval {
  double low = 0;
  double high = 0;
};

// The interval of `successes` out of `trials` at normal quantile `z`; [0, 1]
// when trials == 0 (nothing is known). Requires successes <= trials.
Interval wilson_interval(size_t successes, size_t trials, double z = kZ95);

// successes of trials, with its Wilson 95% interval.
struct Rate {
  size_t successes = 0, trials = 0;
  Interval ci;
  double value() const {
    return trials == 0 ? 0.0 : static_cast<double>(successes) / static_cast<double>(trials);
  }
};

}  // namespace privqa::report
