#include "privqa/dp/embedding_perturbation.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numbers>

#include "dp/stat_testing.h"
#include "privqa/dp/registry.h"

namespace privqa {
namespace {

// Four words in the plane, written out by hand.
const std::vector<std::string> kWords = {"alpha", "beta", "gamma", "delta"};
const std::array<std::array<double, 2>, 4> kPoints = {{{0, 0}, {1, 0}, {0, 1.5}, {2, 2}}};

EmbeddingTable plane_table() {
  std::vector<float> values;
  for (const auto& p : kPoints) {
    values.push_back(static_cast<float>(p[0]));
    values.push_back(static_cast<float>(p[1]));
  }
  auto table = EmbeddingTable::from_rows(kWords, values, 2);
  EXPECT_TRUE(table.ok());
  return std::move(*table);
}

std::unique_ptr<EmbeddingPerturbation> build(const EmbeddingTable& table,
                                             const PerturbationOptions& options) {
  auto built = EmbeddingPerturbation::build("test", {}, table, options);
  EXPECT_TRUE(built.ok());
  return std::move(*built);
}

TEST(Vickrey, SecondProbabilityFollowsTheFormula) {
  EXPECT_DOUBLE_EQ(vickrey_second_probability(1, 3, 0.5), 0.25);  // 0.5 / (0.5 + 1.5)
  EXPECT_DOUBLE_EQ(vickrey_second_probability(1, 3, 0.75), 0.5);  // 0.75 / (0.75 + 0.75)
  EXPECT_DOUBLE_EQ(vickrey_second_probability(1, 3, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(vickrey_second_probability(1, 3, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(vickrey_second_probability(0, 0, 0.3), 0.3);  // a tie at distance 0
}

TEST(Vickrey, ChoosesBetweenTheTwoNearestAtTheStatedRate) {
  // Noisy vector (0.3, 0.4): alpha at 0.5, beta at sqrt(0.65), gamma at
  // sqrt(1.30), delta farther. Pr(beta) = t 0.5 / (t 0.5 + (1 - t) sqrt(0.65));
  // chi-square at the 1e-6 level over 20,000 draws.
  const auto table = plane_table();
  const std::vector<float> noisy = {0.3f, 0.4f};
  for (double t : {0.3, 0.75}) {
    SCOPED_TRACE(t);
    PerturbationOptions options;
    options.t = t;
    const auto m = build(table, options);
    const double p = t * 0.5 / (t * 0.5 + (1 - t) * std::sqrt(0.65));
    std::vector<size_t> counts(3);
    Rng rng = Rng::from_seed(31);
    for (int i = 0; i < 20000; ++i) {
      const uint32_t row = m->project(noisy, rng).front();
      ++counts[row < 2 ? row : 2];
    }
    EXPECT_EQ(counts[2], 0u);
    EXPECT_FITS(counts, (std::vector<double>{1 - p, p, 0}));
  }
  PerturbationOptions nearest;  // t = 0: always alpha
  Rng rng = Rng::from_seed(32);
  EXPECT_EQ(build(table, nearest)->project(noisy, rng).front(), 0u);
}

// Pr(output | input x) by numerical integration over the noise, written
// independently of the mechanism: z = r A (cos θ, sin θ) with r of density
// eps² r exp(−eps r) (Gamma(2, 1/eps)) and θ uniform, then the nearest or
// Vickrey choice among kPoints. A is the identity for CMP, Σ_λ^{1/2} for
// Mahalanobis. Midpoint rule on 1,500 radii up to 40/eps (the tail beyond
// has mass ~1e-16) x 1,200 angles: error well below the chi-square's
// resolution at 20,000 draws.
std::vector<double> integrated_distribution(size_t x, double eps, double t,
                                            const std::array<double, 4>& a) {
  std::vector<double> out(kPoints.size());
  const int radii = 1500, angles = 1200;
  const double r_max = 40 / eps, dr = r_max / radii;
  for (int i = 0; i < radii; ++i) {
    const double r = (i + 0.5) * dr;
    const double weight = eps * eps * r * std::exp(-eps * r) * dr / angles;
    for (int k = 0; k < angles; ++k) {
      const double theta = (k + 0.5) * 2 * std::numbers::pi / angles;
      const double ux = std::cos(theta), uy = std::sin(theta);
      const double px = kPoints[x][0] + r * (a[0] * ux + a[1] * uy);
      const double py = kPoints[x][1] + r * (a[2] * ux + a[3] * uy);
      size_t first = 0, second = 1;
      std::array<double, 4> d{};
      for (size_t j = 0; j < kPoints.size(); ++j)
        d[j] = std::hypot(px - kPoints[j][0], py - kPoints[j][1]);
      if (d[1] < d[0]) std::swap(first, second);
      for (size_t j = 2; j < d.size(); ++j) {
        if (d[j] < d[first]) {
          second = first;
          first = j;
        } else if (d[j] < d[second]) {
          second = j;
        }
      }
      const double p = t * d[first] / (t * d[first] + (1 - t) * d[second]);
      out[first] += weight * (1 - p);
      out[second] += weight * p;
    }
  }
  double total = 0;
  for (double v : out)
    total += v;
  for (double& v : out)
    v /= total;
  return out;
}

std::vector<size_t> sampled_distribution(const Mechanism& m, size_t x, double eps, uint64_t seed) {
  std::vector<size_t> counts(kWords.size());
  Rng rng = Rng::from_seed(seed);
  for (int i = 0; i < 20000; ++i) {
    const auto out = m.sanitize(kWords[x], eps, rng);
    for (size_t j = 0; j < kWords.size(); ++j) {
      if (out->text == kWords[j]) ++counts[j];
    }
  }
  return counts;
}

TEST(EmbeddingPerturbation, CmpAndVickreyMatchTheIntegratedDistribution) {
  const auto table = plane_table();
  for (double t : {0.0, 0.6}) {
    for (double eps : {1.0, 4.0}) {
      SCOPED_TRACE(::testing::Message() << "t " << t << " eps " << eps);
      const auto m = t == 0 ? create_mechanism("cmp", {}, table, {})
                            : create_mechanism("vickrey", {{"t", "0.6"}}, table, {});
      ASSERT_TRUE(m.ok()) << m.error().message();
      EXPECT_FITS(sampled_distribution(**m, 1, eps, 33),
                  integrated_distribution(1, eps, t, {1, 0, 0, 1}));
    }
  }
}

TEST(EmbeddingPerturbation, MahalanobisMatchesTheIntegratedDistribution) {
  // Σ_λ^{1/2} of a 2x2 SPD matrix M: (M + sqrt(det M) I) / sqrt(tr M + 2 sqrt(det M)),
  // M from the table's sample covariance, computed here.
  const auto table = plane_table();
  const double lambda = 0.7;
  double mean[2] = {};
  for (const auto& p : kPoints) {
    mean[0] += p[0] / 4;
    mean[1] += p[1] / 4;
  }
  double s[3] = {};  // xx, xy, yy
  for (const auto& p : kPoints) {
    s[0] += (p[0] - mean[0]) * (p[0] - mean[0]) / 3;
    s[1] += (p[0] - mean[0]) * (p[1] - mean[1]) / 3;
    s[2] += (p[1] - mean[1]) * (p[1] - mean[1]) / 3;
  }
  const double scale = 2 / (s[0] + s[2]);
  const double mxx = lambda * s[0] * scale + 1 - lambda, mxy = lambda * s[1] * scale,
               myy = lambda * s[2] * scale + 1 - lambda;
  const double root_det = std::sqrt(mxx * myy - mxy * mxy);
  const double norm = std::sqrt(mxx + myy + 2 * root_det);
  const std::array<double, 4> root = {(mxx + root_det) / norm, mxy / norm, mxy / norm,
                                      (myy + root_det) / norm};
  for (double t : {0.0, 0.5}) {
    SCOPED_TRACE(t);
    const auto m =
        t == 0 ? create_mechanism("mahalanobis", {{"lambda", "0.7"}}, table, {})
               : create_mechanism("vickrey",
                                  {{"lambda", "0.7"}, {"noise", "mahalanobis"}, {"t", "0.5"}},
                                  table, {});
    ASSERT_TRUE(m.ok()) << m.error().message();
    EXPECT_FITS(sampled_distribution(**m, 0, 2.0, 34), integrated_distribution(0, 2.0, t, root));
  }
}

TEST(EmbeddingPerturbation, NumbersAndWordsWithoutAVectorFollowTheirRules) {
  const auto table = plane_table();
  Rng rng = Rng::from_seed(35);
  const auto keep = create_mechanism("cmp", {}, table, {});
  ASSERT_TRUE(keep.ok());
  const auto kept = (*keep)->sanitize("zeta 42, beta", 1000.0, rng);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->text, "zeta 42, beta");  // eps 1000: noise radius ~0.002
  EXPECT_EQ(kept->stats.oov, 1u);
  EXPECT_EQ(kept->stats.kept, 3u);
  // Only "beta" is perturbed, so only it spends eps.
  EXPECT_EQ(kept->stats.sampled, 1u);
  EXPECT_DOUBLE_EQ(kept->stats.eps_spent, 1000.0);
  const auto drop = create_mechanism("cmp", {{"oov", "drop"}}, table, {});
  ASSERT_TRUE(drop.ok());
  const auto dropped = (*drop)->sanitize("zeta 42, beta", 1000.0, rng);
  EXPECT_EQ(dropped->text, "42, beta");
  EXPECT_EQ(dropped->stats.dropped, 1u);
}

}  // namespace
}  // namespace privqa
