#include "privqa/report/mcnemar.h"

#include <algorithm>
#include <cmath>

namespace privqa::report {

const char* mcnemar_method_name(McNemarMethod method) {
  return method == McNemarMethod::kExact ? "exact" : "chi2-cc";
}

namespace {

// P(X <= k) for X ~ Bin(n, 1/2), summed in log space so large n stays finite.
double binomial_half_cdf(size_t k, size_t n) {
  const double log_half_n = static_cast<double>(n) * std::log(0.5);
  double sum = 0;
  for (size_t i = 0; i <= k; ++i) {
    const double log_choose = std::lgamma(static_cast<double>(n) + 1) -
                              std::lgamma(static_cast<double>(i) + 1) -
                              std::lgamma(static_cast<double>(n - i) + 1);
    sum += std::exp(log_choose + log_half_n);
  }
  return sum;
}

}  // namespace

McNemarResult mcnemar_test(size_t b, size_t c, size_t exact_below) {
  McNemarResult r;
  r.b = b;
  r.c = c;
  const size_t n = b + c;
  if (n < exact_below) {
    r.method = McNemarMethod::kExact;
    r.statistic = static_cast<double>(std::min(b, c));
    r.p_value = n == 0 ? 1.0 : std::min(1.0, 2.0 * binomial_half_cdf(std::min(b, c), n));
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
