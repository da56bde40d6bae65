#include "privqa/report/mcnemar.h"

#include <algorithm>
#include <cmath>

namespace privqa::report {

const char* mcnemar_method_name(McNemarMethod method) {
  return method == McNemarMethod::kExact ? "exact" : "chi2-cc";
}

namespace {

// P(X = i) for X ~ Bin(n, 1/2), in log space so large n stays finite.
double binomial_half_pmf(size_t i, size_t n) {
  const double log_choose = std::lgamma(static_cast<double>(n) + 1) -
                            std::lgamma(static_cast<double>(i) + 1) -
                            std::lgamma(static_cast<double>(n - i) + 1);
  return std::exp(log_choose + static_cast<double>(n) * std::log(0.5));
}

// P(X <= k) for X ~ Bin(n, 1/2).
double binomial_half_cdf(size_t k, size_t n) {
  double sum = 0;
  for (size_t i = 0; i <= k; ++i)
    sum += binomial_half_pmf(i, n);
  return sum;
}

}  // namespace

McNemarResult mcnemar_test(size_t b, size_t c, size_t exact_below) {
  McNemarResult r;
  r.b = b;
  r.c = c;
  const size_t n = b + c;
  const size_t k = std::min(b, c);
  const double two_tails = n == 0 ? 2.0 : 2.0 * binomial_half_cdf(k, n);
  // For b = c the two tails overlap in P(X = k) and the mid-p is exactly 1;
  // set so, rounding cannot make it 0.9999.
  r.mid_p = b == c ? 1.0 : std::min(1.0, two_tails - binomial_half_pmf(k, n));
  if (n < exact_below) {
    r.method = McNemarMethod::kExact;
    r.statistic = static_cast<double>(k);
    r.p_value = std::min(1.0, two_tails);
    return r;
  }
  r.method = McNemarMethod::kChiSquare;
  const double diff =
      std::max(0.0, std::fabs(static_cast<double>(b) - static_cast<double>(c)) - 1.0);
  r.statistic = diff * diff / static_cast<double>(n);
  // Upper tail of chi-square with 1 df: P(Z^2 > x) = erfc(sqrt(x / 2)).
  r.p_value = std::erfc(std::sqrt(r.statistic / 2.0));
  return r;
}

}  // namespace privqa::report
