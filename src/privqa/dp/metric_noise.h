// Noise for metric-DP word perturbation in a d-dimensional embedding space.
//
// Spherical (Feyisetan et al., WSDM 2020): z with density ∝ exp(−eps ‖z‖),
// drawn as a radius R ~ Gamma(d, 1/eps) times a uniform unit direction u (a
// standard normal vector, normalised).
//
// Elliptical (Xu et al., PrivateNLP 2020): z with density
// ∝ exp(−eps ‖z‖_M), ‖z‖_M = sqrt(zᵀ Σ_λ⁻¹ z), drawn as z = R Σ_λ^{1/2} u with
// the same R and u. Σ_λ = λ Σ + (1 − λ) I, Σ the sample covariance of a set
// of vectors scaled to trace d (mean variance 1), so λ = 0 is the spherical
// noise and every λ keeps the total variance of Σ_λ at d.
//
// All randomness comes from the Rng passed in: d normals, then one gamma.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "privqa/dp/rng.h"

namespace privqa {

// Fills out (d = out.size() values) with spherical noise; eps > 0.
void draw_spherical_noise(double eps, Rng& rng, std::span<double> out);

class EllipticalNoise {
 public:
  // vectors: count x dims floats, row-major; count >= 2; lambda in [0, 1].
  EllipticalNoise(std::span<const float> vectors, size_t dims, double lambda);

  size_t dims() const { return dims_; }
  // Σ_λ and its symmetric square root, dims x dims, row-major.
  const std::vector<double>& covariance() const { return covariance_; }
  const std::vector<double>& root() const { return root_; }

  // Fills out (dims() values) with R Σ_λ^{1/2} u; eps > 0.
  void draw(double eps, Rng& rng, std::span<double> out) const;

 private:
  size_t dims_;
  std::vector<double> covariance_;
  std::vector<double> root_;
};

}  // namespace privqa
