#include "privqa/dp/metric_noise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "dp/stat_testing.h"

namespace privqa {
namespace {

// CDF of Gamma(d, 1/eps), the law of CMP's radius.
auto radius_cdf(double dims, double eps) {
  return [=](double r) { return 1 - testing::upper_incomplete_gamma(dims, eps * r); };
}

// u . e for u uniform on the sphere in 3 dimensions is uniform on [-1, 1]
// (Archimedes), whatever the unit vector e.
double uniform_projection_cdf(double x) {
  return std::clamp((x + 1) / 2, 0.0, 1.0);
}

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v)
    s += x * x;
  return std::sqrt(s);
}

TEST(SphericalNoise, RadiusFollowsGammaOfTheDimension) {
  // KS at the 1e-6 false-failure level, 20,000 draws per (d, eps).
  Rng rng = Rng::from_seed(21);
  for (size_t dims : {2u, 5u, 100u}) {
    for (double eps : {0.5, 3.0}) {
      SCOPED_TRACE(::testing::Message() << "d " << dims << " eps " << eps);
      std::vector<double> radii;
      std::vector<double> z(dims);
      for (int i = 0; i < 20000; ++i) {
        draw_spherical_noise(eps, rng, z);
        radii.push_back(norm(z));
      }
      EXPECT_KS_FITS(radii, radius_cdf(static_cast<double>(dims), eps));
    }
  }
}

TEST(SphericalNoise, DirectionIsUniformOnTheSphere) {
  Rng rng = Rng::from_seed(22);
  // d = 3: projections on two fixed unit vectors are uniform on [-1, 1].
  std::vector<double> on_axis, on_diagonal;
  std::vector<double> z(3);
  for (int i = 0; i < 20000; ++i) {
    draw_spherical_noise(1.0, rng, z);
    const double r = norm(z);
    on_axis.push_back(z[1] / r);
    on_diagonal.push_back((z[0] + z[1] + z[2]) / (std::sqrt(3.0) * r));
  }
  EXPECT_KS_FITS(on_axis, uniform_projection_cdf);
  EXPECT_KS_FITS(on_diagonal, uniform_projection_cdf);
  // d = 100: the signs of the first three coordinates fall in each of the 8
  // orthants with probability 1/8 (chi-square, 16,000 draws).
  std::vector<size_t> orthants(8);
  std::vector<double> wide(100);
  for (int i = 0; i < 16000; ++i) {
    draw_spherical_noise(2.0, rng, wide);
    ++orthants[(wide[0] > 0) + 2 * (wide[1] > 0) + 4 * (wide[2] > 0)];
  }
  EXPECT_FITS(orthants, std::vector<double>(8, 1.0 / 8));
}

// Three correlated 3-d vectors' worth of rows, written out by hand.
const std::vector<float> kRows = {1.0f, 0.5f, 0.0f, 2.0f, 1.5f, -0.5f, -1.0f, -0.2f, 0.3f,
                                  0.5f, 0.1f, 0.4f, 3.0f, 2.2f, -1.0f, -2.0f, -1.5f, 1.1f};

TEST(EllipticalNoise, CovarianceIsTheRegularizedSampleCovariance) {
  const double lambda = 0.6;
  const EllipticalNoise noise(kRows, 3, lambda);
  // Sample covariance (n - 1), scaled to trace 3, then λ Σ + (1 − λ) I.
  const size_t n = kRows.size() / 3;
  double mean[3] = {};
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < 3; ++j)
      mean[j] += kRows[i * 3 + j] / static_cast<double>(n);
  }
  double sigma[3][3] = {};
  for (size_t i = 0; i < n; ++i) {
    for (size_t a = 0; a < 3; ++a) {
      for (size_t b = 0; b < 3; ++b)
        sigma[a][b] += (kRows[i * 3 + a] - mean[a]) * (kRows[i * 3 + b] - mean[b]) /
                       static_cast<double>(n - 1);
    }
  }
  const double trace = sigma[0][0] + sigma[1][1] + sigma[2][2];
  for (size_t a = 0; a < 3; ++a) {
    for (size_t b = 0; b < 3; ++b) {
      const double expected = lambda * sigma[a][b] * 3 / trace + (a == b ? 1 - lambda : 0);
      EXPECT_NEAR(noise.covariance()[a * 3 + b], expected, 1e-5);
      // root() squared is Σ_λ.
      double square = 0;
      for (size_t k = 0; k < 3; ++k)
        square += noise.root()[a * 3 + k] * noise.root()[k * 3 + b];
      EXPECT_NEAR(square, noise.covariance()[a * 3 + b], 1e-9);
    }
  }
}

TEST(EllipticalNoise, WhitenedNoiseIsSphericalWithTheGammaRadius) {
  // z = R Σ_λ^{1/2} u. With L the Cholesky factor of Σ_λ (computed here, not
  // by the code under test), L⁻¹ Σ_λ^{1/2} is orthogonal, so w = L⁻¹ z has
  // |w| = R ~ Gamma(3, 1/eps) and a uniform direction: KS on |w| and on two
  // projections of w/|w| (uniform on [-1, 1] in 3 dimensions).
  const EllipticalNoise noise(kRows, 3, 0.8);
  const auto& s = noise.covariance();
  double l[3][3] = {};
  for (size_t i = 0; i < 3; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      double sum = s[i * 3 + j];
      for (size_t k = 0; k < j; ++k)
        sum -= l[i][k] * l[j][k];
      l[i][j] = i == j ? std::sqrt(sum) : sum / l[j][j];
    }
  }
  const double eps = 1.7;
  Rng rng = Rng::from_seed(23);
  std::vector<double> radii, first, diagonal;
  std::vector<double> z(3);
  for (int i = 0; i < 20000; ++i) {
    noise.draw(eps, rng, z);
    std::vector<double> w(3);
    for (size_t a = 0; a < 3; ++a) {
      double sum = z[a];
      for (size_t k = 0; k < a; ++k)
        sum -= l[a][k] * w[k];
      w[a] = sum / l[a][a];
    }
    const double r = norm(w);
    radii.push_back(r);
    first.push_back(w[0] / r);
    diagonal.push_back((w[0] - w[1] + w[2]) / (std::sqrt(3.0) * r));
  }
  EXPECT_KS_FITS(radii, radius_cdf(3, eps));
  EXPECT_KS_FITS(first, uniform_projection_cdf);
  EXPECT_KS_FITS(diagonal, uniform_projection_cdf);
}

TEST(EllipticalNoise, LambdaZeroIsSphericalNoise) {
  const EllipticalNoise noise(kRows, 3, 0.0);
  for (size_t a = 0; a < 3; ++a) {
    for (size_t b = 0; b < 3; ++b)
      EXPECT_NEAR(noise.root()[a * 3 + b], a == b ? 1.0 : 0.0, 1e-12);
  }
}

}  // namespace
}  // namespace privqa
