// Word perturbation in embedding space (docs/mechanisms.md, "CMP, Mahalanobis
// and Vickrey"): a word x with a vector φ(x) becomes the output-vocabulary
// word nearest (Euclidean) to φ(x) + z, z drawn by metric_noise.h (spherical:
// CMP; elliptical: Mahalanobis). With Vickrey's t > 0 the second nearest w2
// is output instead of the nearest w1 with probability
// t d1 / (t d1 + (1 − t) d2), d_i the distance from the noisy vector to w_i.
//
// The output vocabulary is fixed (the N most frequent single-word table
// rows), so the output depends on x only through φ(x) + z and the metric-DP
// guarantee of the noise carries over. Words without a vector are kept or
// dropped; numbers are kept.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "privqa/dp/mechanism.h"
#include "privqa/dp/metric_noise.h"
#include "privqa/dp/row_distances.h"

namespace privqa {

struct PerturbationOptions {
  size_t vocab_size = 20000;
  bool elliptical = false;  // Mahalanobis noise instead of CMP's spherical noise
  double lambda = 0.75;     // Σ_λ = λ Σ + (1 − λ) I (elliptical only)
  double t = 0;             // Vickrey's t in [0, 1]; 0: always the nearest word
  bool drop_oov = false;
};

// Vickrey's probability of the second nearest word, t d1 / (t d1 + (1 − t) d2)
// for d1 <= d2; t itself where that is 0/0 (d1 = d2 = 0, or t = 1 and d1 = 0).
double vickrey_second_probability(double d1, double d2, double t);

class EmbeddingPerturbation : public Mechanism {
 public:
  // `table` must outlive the mechanism.
  static Result<std::unique_ptr<EmbeddingPerturbation>> build(std::string name, ParamValues params,
                                                              const EmbeddingTable& table,
                                                              const PerturbationOptions& options);

  const std::vector<uint32_t>& vocabulary() const { return distances_.rows(); }
  // The elliptical noise's Σ_λ (nullopt for spherical noise).
  const EllipticalNoise* elliptical() const { return elliptical_ ? &*elliptical_ : nullptr; }
  // Draws the noise of one word: out has dims() values.
  void draw_noise(double eps, Rng& rng, std::span<double> out) const;
  // The table rows output for noisy vectors (m x dims floats): the nearest
  // vocabulary word of each (ties: the most frequent), or with t > 0 the
  // Vickrey choice, one uniform draw per vector in order.
  std::vector<uint32_t> project(std::span<const float> noisy, Rng& rng) const;

 protected:
  Outcome sanitize_word(const Token& word, double eps, Rng& rng) const override;
  Outcome sanitize_number(const Token& number, double eps, Rng& rng) const override;
  // Draws the noise of every word with a vector in text order, then projects
  // them in one batch (the Vickrey draws follow, in the same order).
  std::vector<Outcome> decide(std::span<const Token> tokens, double eps, Rng& rng) const override;

 private:
  EmbeddingPerturbation(std::string name, ParamValues params, const EmbeddingTable& table,
                        std::vector<uint32_t> vocabulary, const PerturbationOptions& options);

  const EmbeddingTable* table_;
  PerturbationOptions options_;
  RowDistances distances_;
  std::optional<EllipticalNoise> elliptical_;
};

}  // namespace privqa
