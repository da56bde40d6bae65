// Wilson, McNemar and the paired bootstrap against values worked out by hand
// from their textbook definitions (not from this code).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "privqa/report/bootstrap.h"
#include "privqa/report/mcnemar.h"
#include "privqa/report/wilson.h"

namespace privqa::report {
namespace {

// Newcombe (1998), "Two-sided confidence intervals for the single proportion",
// Table I, Wilson score method without continuity correction: 81/263 ->
// 0.2553-0.3662, 15/148 -> 0.0624-0.1605, 0/20 -> 0-0.1611, 29/29 ->
// 0.8830-1 (each also recomputed by hand from
// (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)).
TEST(Wilson, MatchesNewcombesWorkedExamples) {
  const struct {
    size_t k, n;
    double low, high;
  } cases[] = {{81, 263, 0.2553, 0.3662},
               {15, 148, 0.0624, 0.1605},
               {0, 20, 0.0, 0.1611},
               {29, 29, 0.8830, 1.0}};
  for (const auto& c : cases) {
    const Interval ci = wilson_interval(c.k, c.n);
    EXPECT_NEAR(ci.low, c.low, 5e-5) << c.k << "/" << c.n;
    EXPECT_NEAR(ci.high, c.high, 5e-5) << c.k << "/" << c.n;
  }
}

TEST(Wilson, NoTrialsGivesTheWholeRange) {
  const Interval ci = wilson_interval(0, 0);
  EXPECT_EQ(ci.low, 0.0);
  EXPECT_EQ(ci.high, 1.0);
}

// Exact McNemar: with b = 2, c = 10, P(X <= 2) for X ~ Bin(12, 1/2) is
// (1 + 12 + 66) / 4096, so p = 2 * 79 / 4096 = 0.03857421875.
TEST(McNemar, ExactBinomialBelowTwentyFiveDiscordantPairs) {
  const McNemarResult r = mcnemar_test(2, 10);
  EXPECT_EQ(r.method, McNemarMethod::kExact);
  EXPECT_NEAR(r.p_value, 158.0 / 4096.0, 1e-12);
  // b = c: p = 2 * P(X <= 3 | n = 6) = 2 * 42/64 > 1, capped at 1.
  EXPECT_DOUBLE_EQ(mcnemar_test(3, 3).p_value, 1.0);
  // 0 vs 5: p = 2 / 32.
  EXPECT_NEAR(mcnemar_test(0, 5).p_value, 0.0625, 1e-12);
  EXPECT_DOUBLE_EQ(mcnemar_test(0, 0).p_value, 1.0);
  // 24 discordant pairs are still exact.
  EXPECT_EQ(mcnemar_test(12, 12).method, McNemarMethod::kExact);
}

// Agresti, Categorical Data Analysis (2002), Table 10.1 (presidential approval,
// b = 150, c = 86): with continuity correction (|150 - 86| - 1)^2 / 236 =
// 3969 / 236 = 16.818; P(chi2_1 > 16.818) = 4.11e-5.
TEST(McNemar, ChiSquareWithContinuityCorrectionFromTwentyFive) {
  const McNemarResult r = mcnemar_test(150, 86);
  EXPECT_EQ(r.method, McNemarMethod::kChiSquare);
  EXPECT_NEAR(r.statistic, 3969.0 / 236.0, 1e-9);
  EXPECT_NEAR(r.p_value, 4.1146e-5, 1e-8);
  // 25 discordant pairs: chi-square. (|12 - 13| - 1)^2 / 25 = 0 -> p = 1.
  const McNemarResult even = mcnemar_test(12, 13);
  EXPECT_EQ(even.method, McNemarMethod::kChiSquare);
  EXPECT_DOUBLE_EQ(even.p_value, 1.0);
  // (|25 - 15| - 1)^2 / 40 = 2.025 -> p = erfc(sqrt(1.0125)) = 0.15473.
  EXPECT_NEAR(mcnemar_test(25, 15).p_value, 0.154729, 1e-6);
}

// Identical outcomes under both conditions: every resample differs by 0.
TEST(PairedBootstrap, IdenticalConditionsGiveAZeroInterval) {
  std::vector<PairedOutcome> pairs;
  for (int i = 0; i < 50; ++i)
    pairs.push_back({i % 3 == 0, i % 3 == 0});
  const Interval ci = paired_bootstrap_difference(pairs, 1);
  EXPECT_EQ(ci.low, 0.0);
  EXPECT_EQ(ci.high, 0.0);
}

TEST(PairedBootstrap, SameSeedSameIntervalAndItCoversTheObservedDifference) {
  std::vector<PairedOutcome> pairs;
  for (int i = 0; i < 200; ++i)
    pairs.push_back({i % 2 == 0, i % 4 != 3});  // A: 50%, B: 75%
  const Interval a = paired_bootstrap_difference(pairs, 42);
  const Interval b = paired_bootstrap_difference(pairs, 42);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  EXPECT_LT(a.low, 0.25);
  EXPECT_GT(a.high, 0.25);
  EXPECT_GT(a.low, 0.0);  // a 25-point gain on 200 pairs is clearly positive
}

// Coverage: the percentile interval for the difference should contain the true
// difference in about 95% of independent samples. Each sample has 300
// pairs with P(A right) = 0.6 and P(B right) = 0.7, independent per pair. With
// 200 samples, coverage is ~Bin(200, 0.95): the band [0.89, 0.99] is more than
// 3.8 standard deviations (sd = 0.0154) wide on each side, so a correct
// implementation fails with probability < 1e-4; the seed is fixed anyway.
TEST(PairedBootstrap, CoversTheTrueDifferenceAboutNinetyFivePercentOfTheTime) {
  std::mt19937_64 rng(20261125);
  std::bernoulli_distribution a_right(0.6), b_right(0.7);
  int covered = 0;
  const int samples = 200;
  for (int s = 0; s < samples; ++s) {
    std::vector<PairedOutcome> pairs(300);
    for (auto& p : pairs)
      p = {a_right(rng), b_right(rng)};
    const Interval ci = paired_bootstrap_difference(pairs, static_cast<uint64_t>(s), 500);
    covered += ci.low <= 0.1 && 0.1 <= ci.high;
  }
  const double coverage = static_cast<double>(covered) / samples;
  EXPECT_GT(coverage, 0.89);
  EXPECT_LT(coverage, 0.99);
}

}  // namespace
}  // namespace privqa::report
