// Goodness-of-fit helpers for the dp tests: Pearson's chi-square statistic of
// observed counts against exact probabilities, and its upper-tail p-value.
// Each statistical test asserts p > kFalseFailureRate, so a correct sampler
// fails a given test with probability 1e-6 (and, with fixed seeds, never
// flakes: the outcome is the same on every run).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <vector>

namespace privqa::testing {

inline constexpr double kFalseFailureRate = 1e-6;

// Regularized upper incomplete gamma Q(a, x) (series below a + 1, Lentz's
// continued fraction above).
inline double upper_incomplete_gamma(double a, double x) {
  if (x <= 0) return 1.0;
  const double log_prefix = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1) {
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 10000 && std::fabs(term) > std::fabs(sum) * 1e-15; ++n) {
      term *= x / (a + n);
      sum += term;
    }
    return 1.0 - sum * std::exp(log_prefix);
  }
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-15) break;
  }
  return std::exp(log_prefix) * h;
}

struct ChiSquare {
  double statistic = 0;
  size_t degrees = 0;
  double p_value = 1;
};

// Pearson's test of counts against probabilities (same length, probabilities
// summing to 1). Outcomes expected fewer than 5 times are pooled into one
// cell; an observation in a cell of probability 0 gives p = 0.
inline ChiSquare chi_square(const std::vector<size_t>& counts,
                            const std::vector<double>& probabilities) {
  size_t total = 0;
  for (size_t c : counts)
    total += c;
  ChiSquare out;
  double pooled_expected = 0;
  size_t pooled_observed = 0;
  size_t cells = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double expected = probabilities[i] * static_cast<double>(total);
    if (probabilities[i] == 0) {
      if (counts[i] > 0) return {INFINITY, 0, 0.0};
      continue;
    }
    if (expected < 5) {
      pooled_expected += expected;
      pooled_observed += counts[i];
      continue;
    }
    const double diff = static_cast<double>(counts[i]) - expected;
    out.statistic += diff * diff / expected;
    ++cells;
  }
  if (pooled_expected > 0) {
    const double diff = static_cast<double>(pooled_observed) - pooled_expected;
    out.statistic += diff * diff / pooled_expected;
    ++cells;
  }
  out.degrees = cells > 1 ? cells - 1 : 1;
  out.p_value = upper_incomplete_gamma(static_cast<double>(out.degrees) / 2.0, out.statistic / 2.0);
  return out;
}

// Kolmogorov-Smirnov test of samples against a continuous CDF: the largest
// gap D between the empirical and the exact CDF, and its upper-tail p-value
// (Kolmogorov's limit law with Stephens' small-sample correction).
struct KolmogorovSmirnov {
  double statistic = 0;
  double p_value = 1;
};

// Pr(K > lambda) for Kolmogorov's distribution, each series where it
// converges fast.
inline double kolmogorov_tail(double lambda) {
  if (lambda <= 0) return 1;
  double sum = 0;
  if (lambda < 1.18) {
    for (int k = 1; k <= 100; ++k) {
      const double odd = 2.0 * k - 1;
      sum += std::exp(-odd * odd * std::numbers::pi * std::numbers::pi / (8 * lambda * lambda));
    }
    return std::clamp(1 - std::sqrt(2 * std::numbers::pi) / lambda * sum, 0.0, 1.0);
  }
  for (int k = 1; k <= 100; ++k)
    sum += (k % 2 == 1 ? 2 : -2) * std::exp(-2.0 * k * k * lambda * lambda);
  return std::clamp(sum, 0.0, 1.0);
}

template <class Cdf>
KolmogorovSmirnov kolmogorov_smirnov(std::vector<double> samples, Cdf&& cdf) {
  std::sort(samples.begin(), samples.end());
  const double n = static_cast<double>(samples.size());
  KolmogorovSmirnov out;
  for (size_t i = 0; i < samples.size(); ++i) {
    const double f = cdf(samples[i]);
    out.statistic = std::max(
        {out.statistic, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  out.p_value = kolmogorov_tail((std::sqrt(n) + 0.12 + 0.11 / std::sqrt(n)) * out.statistic);
  return out;
}

}  // namespace privqa::testing

// Asserts that counts fit probabilities at the kFalseFailureRate level.
#define EXPECT_FITS(counts, probabilities)                                                     \
  do {                                                                                         \
    const auto fit_ = ::privqa::testing::chi_square(counts, probabilities);                    \
    EXPECT_GT(fit_.p_value, ::privqa::testing::kFalseFailureRate)                              \
        << "chi-square " << fit_.statistic << " on " << fit_.degrees << " degrees of freedom"; \
  } while (0)

// Asserts that samples follow the CDF at the kFalseFailureRate level (KS test).
#define EXPECT_KS_FITS(samples, cdf)                                                          \
  do {                                                                                        \
    const auto ks_ = ::privqa::testing::kolmogorov_smirnov(samples, cdf);                     \
    EXPECT_GT(ks_.p_value, ::privqa::testing::kFalseFailureRate) << "KS D " << ks_.statistic; \
  } while (0)
