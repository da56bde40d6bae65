#include "privqa/dp/exponential_mechanism.h"

#include <gtest/gtest.h>

#include <cmath>

#include "dp/stat_testing.h"

namespace privqa {
namespace {

TEST(Softmax, IsStableForHugeScores) {
  const std::vector<double> scores = {1e4, 1e4 - std::log(3.0), -1e4};
  const auto p = softmax(scores);
  EXPECT_NEAR(p[0], 0.75, 1e-12);
  EXPECT_NEAR(p[1], 0.25, 1e-12);
  EXPECT_EQ(p[2], 0.0);
  EXPECT_TRUE(softmax(std::vector<double>{}).empty());
}

TEST(SampleSoftmax, MatchesTheExponentialMechanism) {
  // Pr(i) ∝ exp(score_i), written out directly.
  const std::vector<double> scores = {0.0, 1.0, -0.5, 2.0, 0.3};
  std::vector<double> expected;
  double total = 0;
  for (double s : scores)
    total += std::exp(s);
  for (double s : scores)
    expected.push_back(std::exp(s) / total);
  Rng rng = Rng::from_seed(21);
  std::vector<size_t> counts(scores.size());
  for (int i = 0; i < 50000; ++i)
    ++counts[sample_softmax(scores, rng)];
  EXPECT_FITS(counts, expected);
}

TEST(SampleWeighted, NeverDrawsAZeroWeight) {
  const std::vector<double> weights = {0, 2, 0, 1, 0};
  Rng rng = Rng::from_seed(22);
  std::vector<size_t> counts(weights.size());
  for (int i = 0; i < 30000; ++i)
    ++counts[sample_weighted(weights, rng)];
  EXPECT_FITS(counts, (std::vector<double>{0, 2.0 / 3, 0, 1.0 / 3, 0}));
}

}  // namespace
}  // namespace privqa
