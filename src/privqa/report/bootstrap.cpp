#include "privqa/report/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace privqa::report {

Interval paired_bootstrap_difference(const std::vector<PairedOutcome>& pairs, uint64_t seed,
                                     int resamples, double level) {
  if (pairs.empty() || resamples <= 0) return {0.0, 0.0};
  std::mt19937_64 rng(seed);
  const uint64_t n = pairs.size();
  std::vector<double> differences(static_cast<size_t>(resamples));
  for (double& d : differences) {
    long long sum = 0;
    for (uint64_t i = 0; i < n; ++i) {
      // Modulo of a 64-bit draw: bias below n / 2^64, and unlike
      // std::uniform_int_distribution the same picks on every standard library.
      const auto pick = static_cast<size_t>(rng() % n);
      sum += static_cast<int>(pairs[pick].b) - static_cast<int>(pairs[pick].a);
    }
    d = static_cast<double>(sum) / static_cast<double>(n);
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
