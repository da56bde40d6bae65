#include "privqa/dp/exponential_mechanism.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace privqa {

std::vector<double> softmax(std::span<const double> scores) {
  std::vector<double> out(scores.size());
  if (scores.empty()) return out;
  const double top = *std::max_element(scores.begin(), scores.end());
  double total = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    out[i] = std::exp(scores[i] - top);
    total += out[i];
  }
  for (double& p : out)
    p /= total;
  return out;
}

size_t sample_softmax(std::span<const double> scores, Rng& rng) {
  assert(!scores.empty());
  const double top = *std::max_element(scores.begin(), scores.end());
  std::vector<double> weights(scores.size());
  for (size_t i = 0; i < scores.size(); ++i)
    weights[i] = std::exp(scores[i] - top);
  return sample_weighted(weights, rng);
}

size_t sample_weighted(std::span<const double> weights, Rng& rng) {
  assert(!weights.empty());
  double total = 0;
  for (double w : weights)
    total += w;
  const double target = rng.uniform() * total;
  double running = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    running += weights[i];
    if (target < running) return i;
  }
  // Rounding left target at the very end: the last positive weight.
  for (size_t i = weights.size(); i-- > 0;) {
    if (weights[i] > 0) return i;
  }
  return weights.size() - 1;
}

}  // namespace privqa
