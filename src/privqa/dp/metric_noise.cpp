#include "privqa/dp/metric_noise.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>

namespace privqa {

void draw_spherical_noise(double eps, Rng& rng, std::span<double> out) {
  double squared = 0;
  for (double& v : out) {
    v = rng.normal();
    squared += v * v;
  }
  const double radius = rng.gamma(static_cast<double>(out.size()), 1.0 / eps);
  // A zero normal vector has probability 0; it would leave z = 0.
  const double scale = squared > 0 ? radius / std::sqrt(squared) : 0.0;
  for (double& v : out)
    v *= scale;
}

EllipticalNoise::EllipticalNoise(std::span<const float> vectors, size_t dims, double lambda)
    : dims_(dims) {
  const auto d = static_cast<Eigen::Index>(dims);
  const auto count = static_cast<Eigen::Index>(vectors.size() / dims);
  const Eigen::MatrixXd x =
      Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          vectors.data(), count, d)
          .cast<double>();
  const Eigen::MatrixXd centered = x.rowwise() - x.colwise().mean();
  Eigen::MatrixXd sigma = (centered.transpose() * centered) / static_cast<double>(count - 1);
  const double trace = sigma.trace();
  if (trace > 0) sigma *= static_cast<double>(dims) / trace;
  const Eigen::MatrixXd regularized =
      lambda * sigma + (1 - lambda) * Eigen::MatrixXd::Identity(d, d);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(regularized);
  // Eigenvalues below 0 are rounding of a singular Σ (λ = 1): clamp them.
  const Eigen::VectorXd roots = solver.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  const Eigen::MatrixXd root =
      solver.eigenvectors() * roots.asDiagonal() * solver.eigenvectors().transpose();
  covariance_.resize(dims * dims);
  root_.resize(dims * dims);
  for (Eigen::Index i = 0; i < d; ++i) {
    for (Eigen::Index j = 0; j < d; ++j) {
      covariance_[static_cast<size_t>(i * d + j)] = regularized(i, j);
      root_[static_cast<size_t>(i * d + j)] = root(i, j);
    }
  }
}

void EllipticalNoise::draw(double eps, Rng& rng, std::span<double> out) const {
  std::vector<double> spherical(dims_);
  draw_spherical_noise(eps, rng, spherical);
  for (size_t i = 0; i < dims_; ++i) {
    double sum = 0;
    for (size_t j = 0; j < dims_; ++j)
      sum += root_[i * dims_ + j] * spherical[j];
    out[i] = sum;
  }
}

}  // namespace privqa
