// The exponential mechanism's sampling step: Pr(i) ∝ exp(score_i), computed
// stably (the largest score is subtracted before exponentiating), so scores
// of any magnitude work and no weight overflows.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "privqa/dp/rng.h"

namespace privqa {

// exp(score_i - max) / sum_j exp(score_j - max). Empty scores: empty result.
std::vector<double> softmax(std::span<const double> scores);

// One draw with Pr(i) = softmax(scores)_i (inverse CDF). scores non-empty.
size_t sample_softmax(std::span<const double> scores, Rng& rng);

// One draw with Pr(i) ∝ weights_i (non-negative, positive sum; inverse CDF).
size_t sample_weighted(std::span<const double> weights, Rng& rng);

}  // namespace privqa
