// Wilson, McNemar and the paired bootstrap against values worked out by hand
// from their textbook definitions (not from this code).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "privqa/report/bootstrap.h"
#include "privqa/report/mcnemar.h"
#include "privqa/report/multiplicity.h"
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

// Mid-p = 2 P(X <= k) - P(X = k), X ~ Bin(b + c, 1/2), k = min(b, c), by hand:
// - b = 1, c = 7 (Fagerland, Lydersen & Laake 2013, their worked example:
//   exact 0.070, mid-p 0.039): P(X <= 1) = 9/256, P(X = 1) = 8/256, so
//   exact = 18/256 and mid-p = 10/256.
// - b = 2, c = 10: P(X <= 2) = 79/4096, P(X = 2) = 66/4096: mid-p = 92/4096.
// - b = 0, c = 5: exact = 2/32, mid-p = 2/32 - 1/32 = 1/32.
// - b = c = 3: 2 * 42/64 - 20/64 = 1.
TEST(McNemar, MidPRemovesHalfTheObservedProbabilityFromEachTail) {
  const McNemarResult example = mcnemar_test(1, 7);
  EXPECT_NEAR(example.p_value, 18.0 / 256.0, 1e-12);
  EXPECT_NEAR(example.mid_p, 10.0 / 256.0, 1e-12);
  EXPECT_NEAR(example.p_value, 0.070, 5e-4);
  EXPECT_NEAR(example.mid_p, 0.039, 5e-4);
  EXPECT_NEAR(mcnemar_test(2, 10).mid_p, 92.0 / 4096.0, 1e-12);
  EXPECT_NEAR(mcnemar_test(10, 2).mid_p, 92.0 / 4096.0, 1e-12);
  EXPECT_NEAR(mcnemar_test(0, 5).mid_p, 1.0 / 32.0, 1e-12);
  EXPECT_DOUBLE_EQ(mcnemar_test(3, 3).mid_p, 1.0);
  EXPECT_DOUBLE_EQ(mcnemar_test(0, 0).mid_p, 1.0);
}

// From 25 discordant pairs p is the chi-square's, the mid-p still binomial:
// b = 10, c = 20: P(X <= 10 | n = 30) = 53009102 / 2^30 (the sum of
// C(30, i), i = 0..10), P(X = 10) = 30045015 / 2^30, so mid-p =
// (2 * 53009102 - 30045015) / 2^30 = 75973189 / 1073741824.
TEST(McNemar, MidPIsBinomialAlsoWhenThePValueIsChiSquare) {
  const McNemarResult r = mcnemar_test(10, 20);
  EXPECT_EQ(r.method, McNemarMethod::kChiSquare);
  EXPECT_NEAR(r.mid_p, 75973189.0 / 1073741824.0, 1e-12);
}

// Hand computation, m = 4, p = (0.5, 0.9, 0.02, 0.02), sorted 0.02, 0.02,
// 0.5, 0.9:
// Holm: 4 * 0.02 = 0.08; 3 * 0.02 = 0.06 -> running max 0.08; 2 * 0.5 = 1;
//   1 * 0.9 = 0.9 -> running max 1. In input order: 1, 1, 0.08, 0.08.
// BH: 4 * 0.02 / 1 = 0.08, 4 * 0.02 / 2 = 0.04, 4 * 0.5 / 3 = 2/3,
//   4 * 0.9 / 4 = 0.9; minimum from the largest down: 0.9, 2/3, 0.04, 0.04.
//   In input order: 2/3, 0.9, 0.04, 0.04.
TEST(Multiplicity, HolmAndBenjaminiHochbergMatchAHandComputation) {
  const std::vector<double> p{0.5, 0.9, 0.02, 0.02};
  const std::vector<double> holm = holm_adjust(p);
  ASSERT_EQ(holm.size(), 4u);
  EXPECT_DOUBLE_EQ(holm[0], 1.0);
  EXPECT_DOUBLE_EQ(holm[1], 1.0);
  EXPECT_NEAR(holm[2], 0.08, 1e-15);
  EXPECT_NEAR(holm[3], 0.08, 1e-15);
  const std::vector<double> q = benjamini_hochberg(p);
  ASSERT_EQ(q.size(), 4u);
  EXPECT_NEAR(q[0], 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(q[1], 0.9, 1e-15);
  EXPECT_NEAR(q[2], 0.04, 1e-15);
  EXPECT_NEAR(q[3], 0.04, 1e-15);
  EXPECT_TRUE(holm_adjust({}).empty());
  EXPECT_TRUE(benjamini_hochberg({}).empty());
  // One test: nothing to adjust.
  EXPECT_DOUBLE_EQ(holm_adjust({0.03})[0], 0.03);
  EXPECT_DOUBLE_EQ(benjamini_hochberg({0.03})[0], 0.03);
}

// Benjamini & Hochberg (1995), section 4: fifteen p-values; at level 0.05
// their procedure rejects four hypotheses and Holm's three. Here q(4) =
// 15 * 0.0095 / 4 = 0.035625 and q(5) = min over j >= 5 of 15 p(j) / j =
// 15 * 0.0201 / 5 = 0.0603; Holm's fourth is 12 * 0.0095 = 0.114.
TEST(Multiplicity, ReproducesBenjaminiHochbergsExample) {
  const std::vector<double> p{0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
                              0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0000};
  const std::vector<double> q = benjamini_hochberg(p);
  const std::vector<double> holm = holm_adjust(p);
  EXPECT_EQ(std::count_if(q.begin(), q.end(), [](double v) { return v <= 0.05; }), 4);
  EXPECT_EQ(std::count_if(holm.begin(), holm.end(), [](double v) { return v <= 0.05; }), 3);
  EXPECT_NEAR(q[3], 0.035625, 1e-12);
  EXPECT_NEAR(q[4], 0.0603, 1e-12);
  EXPECT_NEAR(holm[2], 13 * 0.0019, 1e-12);
  EXPECT_NEAR(holm[3], 12 * 0.0095, 1e-12);
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

// The bootstrap distribution of a difference is known exactly: over n picks
// with replacement, the counts of B-only, A-only and other pairs are
// Multinomial(n; 7/30, 3/30, 20/30), and the difference is (B-only - A-only)
// / n. Here it is enumerated over every (B-only, A-only) count, and each
// percentile interval of 20,000 resamples must be the exact quantiles. The
// pairs were chosen so that the exact CDF is at least 0.0079 away from every
// quantile's level (checked below): over 7 standard deviations of the
// empirical CDF of 20,000 draws, and by Chernoff's bound (20,000 times the
// relative entropy, at least 23) each bound is missed with probability below
// 1e-10.
TEST(PairedBootstrap, IntervalsAreTheExactBootstrapQuantiles) {
  const int n = 30, b_only = 7, a_only = 3;
  std::vector<PairedOutcome> pairs;
  for (int i = 0; i < n; ++i)
    pairs.push_back({(i >= b_only && i < b_only + a_only) || i >= 25,  // 5 right under both
                     i < b_only || i >= 25});
  std::map<int, double> pmf;  // of the difference times n
  const double pb = double(b_only) / n, pa = double(a_only) / n, pz = 1 - pb - pa;
  for (int x = 0; x <= n; ++x) {
    for (int y = 0; x + y <= n; ++y) {
      const int z = n - x - y;
      pmf[x - y] +=
          std::exp(std::lgamma(n + 1.0) - std::lgamma(x + 1.0) - std::lgamma(y + 1.0) -
                   std::lgamma(z + 1.0) + x * std::log(pb) + y * std::log(pa) + z * std::log(pz));
    }
  }
  // The smallest difference whose CDF reaches q, and the margin on both sides.
  const auto quantile = [&](double q) {
    double below = 0;
    for (const auto& [k, p] : pmf) {
      if (below + p >= q) {
        EXPECT_GE(std::min(q - below, below + p - q), 0.0079) << "at " << q;
        return double(k) / n;
      }
      below += p;
    }
    return 1.0;
  };
  for (const double level : {0.95, 0.8, 0.5}) {
    const Interval ci = paired_bootstrap_difference(pairs, 7, 20000, level);
    EXPECT_DOUBLE_EQ(ci.low, quantile((1 - level) / 2)) << level;
    EXPECT_DOUBLE_EQ(ci.high, quantile(1 - (1 - level) / 2)) << level;
  }
}

// At 100,000 pairs (10% B-only, 5% A-only) the difference is normal to a
// good approximation: mean 0.05, sd sqrt((0.15 - 0.05^2) / n) = 0.00121. The
// 95% interval of 20,000 resamples estimates each bound with a standard
// error of about 0.02 sd; the test allows 0.1 sd (5 standard errors).
TEST(PairedBootstrap, ManyPairsGiveTheNormalInterval) {
  const int n = 100000;
  std::vector<PairedOutcome> pairs(n);
  for (int i = 0; i < n; ++i)
    pairs[i] = {i % 20 == 1 || i % 2 == 0, i % 10 == 9 || i % 2 == 0};
  const double sd = std::sqrt((0.15 - 0.05 * 0.05) / n);
  const Interval ci = paired_bootstrap_difference(pairs, 3, 20000);
  EXPECT_NEAR(ci.low, 0.05 - 1.96 * sd, 0.1 * sd);
  EXPECT_NEAR(ci.high, 0.05 + 1.96 * sd, 0.1 * sd);
}

}  // namespace
}  // namespace privqa::report
