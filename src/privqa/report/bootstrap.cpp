#include "privqa/report/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace privqa::report {
namespace {

// Uniform in [0, 1) from the top 53 bits of a draw.
double uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// Binomial(n, p) by inversion with a sequential search (Devroye,
// "Non-Uniform Random Variate Generation", 1986, ch. III.2) that starts at
// the mode and steps to either side in turn: any fixed order of the
// outcomes is an inversion, and this one takes O(sqrt(n p (1 - p))) steps.
// Written out rather than std::binomial_distribution, whose algorithm
// differs between libraries.
uint64_t binomial(uint64_t n, double p, std::mt19937_64& rng) {
  if (n == 0 || p <= 0.0) return 0;
  if (p >= 1.0) return n;
  const double u = uniform(rng);
  const double nd = static_cast<double>(n);
  const auto mode = std::min(n, static_cast<uint64_t>((nd + 1.0) * p));
  const double md = static_cast<double>(mode);
  const double at_mode =
      std::exp(std::lgamma(nd + 1.0) - std::lgamma(md + 1.0) - std::lgamma(nd - md + 1.0) +
               md * std::log(p) + (nd - md) * std::log1p(-p));
  const double odds = p / (1.0 - p);
  double mass = at_mode;
  if (u < mass) return mode;
  uint64_t down = mode, up = mode;
  double p_down = at_mode, p_up = at_mode;
  while (down > 0 || up < n) {
    if (down > 0) {
      // P(k - 1) = P(k) * k / ((n - k + 1) * odds)
      p_down *= static_cast<double>(down) / (static_cast<double>(n - down + 1) * odds);
      --down;
      mass += p_down;
      if (u < mass) return down;
    }
    if (up < n) {
      // P(k + 1) = P(k) * (n - k) * odds / (k + 1)
      p_up *= static_cast<double>(n - up) * odds / static_cast<double>(up + 1);
      ++up;
      mass += p_up;
      if (u < mass) return up;
    }
  }
  return mode;  // u beyond the rounded total mass: vanishingly rare
}

}  // namespace

Interval paired_bootstrap_difference(const std::vector<PairedOutcome>& pairs, uint64_t seed,
                                     int resamples, double level) {
  if (pairs.empty() || resamples <= 0) return {0.0, 0.0};
  const uint64_t n = pairs.size();
  uint64_t b_only = 0, a_only = 0;
  for (const PairedOutcome& p : pairs) {
    b_only += p.b && !p.a;
    a_only += p.a && !p.b;
  }
  const double nd = static_cast<double>(n);
  const double p_b_only = static_cast<double>(b_only) / nd;
  const double p_a_only = static_cast<double>(a_only) / nd;
  std::mt19937_64 rng(seed);
  std::vector<double> differences(static_cast<size_t>(resamples));
  for (double& d : differences) {
    // Of n picks, how many are B-only pairs, then how many of the others are
    // A-only pairs.
    const uint64_t gained = binomial(n, p_b_only, rng);
    const uint64_t lost =
        p_b_only < 1.0 ? binomial(n - gained, p_a_only / (1.0 - p_b_only), rng) : 0;
    d = (static_cast<double>(gained) - static_cast<double>(lost)) / nd;
  }
  std::sort(differences.begin(), differences.end());
  const double tail = (1.0 - level) / 2.0;
  const auto at = [&](double q) {
    const double pos = q * static_cast<double>(differences.size() - 1);
    return differences[static_cast<size_t>(std::lround(pos))];
  };
  return {at(tail), at(1.0 - tail)};
}

}  // namespace privqa::report
