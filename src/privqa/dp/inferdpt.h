// InferDPT's RANTEXT perturbation (Tong et al., "InferDPT: Privacy-Preserving
// Inference for Black-box Large Language Models", 2023).
//
// Vocabulary: the N most frequent single-word rows of the table. For a word x
// with vector e_x: draw Laplace noise with scale Δf_j / divisor(eps) in every
// dimension j (Δf_j = range of dimension j over the vocabulary), let
// r = ‖noise‖, A = {y in vocabulary ∪ {x} : d(e_x, e_y) <= r}, and output
// y in A with Pr ∝ exp(eps/2 · (r − d(e_x, e_y)) / r). Numbers become a
// uniform integer in [1, 1000]; words without a vector are dropped or kept.
#pragma once

#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "privqa/dp/bounded_cache.h"
#include "privqa/dp/exponential_mechanism.h"
#include "privqa/dp/mechanism.h"
#include "privqa/dp/row_distances.h"

namespace privqa {

enum class InferDptNoise {
  kLaplace,   // divisor = eps
  kInferDpt,  // the original's fitted divisor for eps >= 2 (see noise_divisor)
};

struct InferDptOptions {
  size_t vocab_size = 11000;
  InferDptNoise noise = InferDptNoise::kInferDpt;
  bool drop_oov = true;
  // Memory for the per-word lists of nearest candidates.
  size_t cache_bytes = size_t{96} << 20;
};

// eps for kLaplace and for eps < 2; for eps >= 2 under kInferDpt,
// 0.01658160142016071 ln(19.064721649556482 eps − 38.1294334077209) + 9.311083811697406
// (eps where that logarithm is undefined fall back to eps).
double inferdpt_noise_divisor(InferDptNoise noise, double eps);

// A candidate within reach: its index and distance to x.
struct Reachable {
  uint32_t index;
  float distance;
};

// Draws one of n candidates with Pr(i) ∝ exp(-eps d_i / (2 r)) among those with
// d_i <= r; one candidate must have d_i = 0 (x itself). distance(i) returns d_i;
// reachable() returns every candidate with d_i <= r (distances equal to
// distance(i) up to float rounding).
// Exact and cheap: uniform proposals accepted with probability
// exp(-eps d_i / (2 r)) touch a handful of candidates while many are within
// reach; if kInferDptMaxProposals fail, the draw is made directly from the weights of
// the candidates within reach. Either way the result has the target
// distribution, since a failed proposal says nothing about the outcome.
inline constexpr int kInferDptMaxProposals = 128;
template <class Distance, class ReachableSet>
size_t inferdpt_select(size_t n, double radius, double eps, Rng& rng, Distance&& distance,
                       ReachableSet&& reachable) {
  const double lambda = eps / (2 * radius);  // weight relative to d = 0: exp(-lambda d)
  for (int attempt = 0; attempt < kInferDptMaxProposals; ++attempt) {
    const size_t i = rng.below(n);
    const double d = distance(i);
    if (d > radius) continue;
    if (rng.uniform() < std::exp(-lambda * d)) return i;
  }
  const std::vector<Reachable> within = reachable();
  std::vector<double> weights(within.size());
  for (size_t j = 0; j < within.size(); ++j)
    weights[j] = std::exp(-lambda * within[j].distance);
  return within[sample_weighted(weights, rng)].index;
}

// The same on an explicit list of distances.
size_t inferdpt_select(std::span<const float> distances, double radius, double eps, Rng& rng);

class InferDpt : public Mechanism {
 public:
  // `table` must outlive the mechanism.
  static Result<std::unique_ptr<InferDpt>> build(std::string name, ParamValues params,
                                                 const EmbeddingTable& table,
                                                 const InferDptOptions& options);

  const std::vector<uint32_t>& vocabulary() const { return vocabulary_; }
  const std::vector<double>& sensitivity() const { return sensitivity_; }  // Δf per dimension
  // The candidates within `radius` of table row x, as the sampler's direct
  // path lists them: index i < vocabulary().size() is vocabulary()[i], index
  // vocabulary().size() is x itself (when x is not a vocabulary word).
  std::vector<Reachable> reachable(uint32_t x, double radius) const {
    return within(x, vocabulary_position_[x], radius);
  }

 protected:
  Outcome sanitize_word(const Token& word, double eps, Rng& rng) const override;
  Outcome sanitize_number(const Token& number, double eps, Rng& rng) const override;

 private:
  // The candidates nearest to one word x (eps-independent): those whose
  // distance bin, floor(d * scale) capped at kCutBins - 1, is below
  // kept_bins (about kNearestKept of them), grouped by bin. Since binning is
  // monotone in d, a radius whose own bin is below kept_bins reaches only
  // these, and only those in bins up to its own.
  struct NearestList {
    std::vector<Reachable> nearest;
    std::vector<uint32_t> bin_end;  // nearest[0, bin_end[b]) = the bins <= b
    float scale = 0;
    size_t memory_bytes() const {
      return nearest.size() * sizeof(Reachable) + bin_end.size() * sizeof(uint32_t);
    }
  };
  InferDpt(std::string name, ParamValues params, const EmbeddingTable& table,
           std::vector<uint32_t> vocabulary, const InferDptOptions& options);

  // Candidates of x: the vocabulary, then x itself (out of reach, distance
  // infinity, when x is a vocabulary word: it is already candidate x_pos).
  float candidate_distance(uint32_t x, int32_t x_position, size_t i) const;
  std::vector<float> all_distances(uint32_t x, int32_t x_position) const;
  std::vector<Reachable> within(uint32_t x, int32_t x_position, double radius) const;
  NearestList nearest_list(std::vector<float> distances) const;
  std::shared_ptr<const NearestList> nearest(uint32_t x, int32_t x_position) const;

  const EmbeddingTable* table_;
  InferDptOptions options_;
  std::vector<uint32_t> vocabulary_;
  RowDistances vocabulary_distances_;
  std::vector<float> vocabulary_rows_;  // the vocabulary's vectors, contiguous (row-major)
  std::vector<double> sensitivity_;
  std::vector<int32_t> vocabulary_position_;  // per table row; -1 = not in the vocabulary
  mutable BoundedCache<NearestList> nearest_;
};

}  // namespace privqa
