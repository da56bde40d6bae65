// McNemar's test (McNemar 1947) of two paired binary outcomes on the same
// questions: does one condition answer correctly more often than the other?
// Only the discordant pairs matter: b = right under A and wrong under B,
// c = wrong under A and right under B.
#pragma once

#include <cstddef>

namespace privqa::report {

enum class McNemarMethod { kExact, kChiSquare };
const char* mcnemar_method_name(McNemarMethod method);  // "exact" or "chi2-cc"

struct McNemarResult {
  size_t b = 0;
  size_t c = 0;
  McNemarMethod method = McNemarMethod::kExact;
  double statistic = 0;  // chi-square with continuity correction; for exact, min(b, c)
  double p_value = 1;    // two-sided
  // Mid-p (Fagerland, Lydersen & Laake 2013), from the binomial whatever
  // `method`: 2 P(X <= min(b, c)) - P(X = min(b, c)), X ~ Bin(b + c, 1/2);
  // 1 when b = c (and when b + c = 0).
  double mid_p = 1;
};

// Below `exact_below` discordant pairs the two-sided exact binomial test
// (b ~ Bin(b + c, 1/2)); otherwise the chi-square statistic with continuity
// correction (|b - c| - 1)^2 / (b + c) on 1 degree of freedom. The mid-p is
// computed in both cases.
McNemarResult mcnemar_test(size_t b, size_t c, size_t exact_below = 25);

}  // namespace privqa::report
