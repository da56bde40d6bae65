// TEM, the truncated exponential mechanism (Carvalho, Vasiloudis, Feyisetan,
// Wang, "TEM: High Utility Metric Differential Privacy on Text", SDM 2023).
//
// V = corpus words with a vector. For a word x with a vector, let
// gamma = (2 / eps) ln((1 - beta) (|V| - 1) / beta) and
// L_x = {y in V : d(x, y) <= gamma} (Euclidean distance). Each y in L_x gets
// the score -d(x, y), and a placeholder ⊥ standing for the rest of V gets
// -gamma + (2 / eps) ln |V \ L_x|; the largest score plus Gumbel noise of
// scale 2 / eps wins. When ⊥ wins, the output is a uniform word of V \ L_x.
// So Pr(y | x) ∝ exp(-eps min(d(x, y), gamma) / 2): metric DP, eps d(x, x')
// per word. A word without a vector is replaced by a uniform word of V
// (oov = "replace") or kept (oov = "keep"). Numbers are words like any other.
//
// The distances from x to V do not depend on eps: they are computed for all
// new words of a text (or of a chunk of texts, Mechanism::prepare_texts) in
// one matrix product (dp/row_distances.h) and kept per word as
// dp/distance_buckets.h, which draws from Pr(y | x) ∝ exp(-eps min(d(x, y),
// gamma) / 2) exactly, without a Gumbel per member of L_x (the same
// distribution as the Gumbel-max over L_x and ⊥ above).
//
// As a WordChannel (dp/word_channel.h) the inputs are V, and for x in V
//   Pr(y | x) = exp(-eps t(x, y) / 2) / Z(x),  t(x, y) = min(d(x, y), gamma),
//   Z(x) = sum over y in V of exp(-eps t(x, y) / 2),
// for every y in V: a y in L_x directly, a y beyond gamma through ⊥, which
// wins with probability |V \ L_x| exp(-eps gamma / 2) / Z(x) and then picks
// y with probability 1 / |V \ L_x|. (A word with a vector outside V is
// sanitized over V too, but is no input of the channel.) The normalisers
// Z(x) are computed once per eps for all of V (|V| x |V| distances, in
// blocks) and cached.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "privqa/dp/block_pool.h"
#include "privqa/dp/bounded_cache.h"
#include "privqa/dp/distance_buckets.h"
#include "privqa/dp/mechanism.h"
#include "privqa/dp/per_eps.h"
#include "privqa/dp/row_distances.h"
#include "privqa/dp/word_channel.h"

namespace privqa {

struct TemOptions {
  // In (0, 1): with gamma from beta, a word of V is output from L_x (not
  // replaced by a word beyond gamma) with probability at least 1 - beta.
  double beta = 0.001;
  bool replace_oov = true;
  // Memory for the per-word distance buckets (a byte per vocabulary word
  // each, plus 1 KiB): every word of the MedMCQA dev set's fits in 64 MiB.
  size_t cache_bytes = size_t{64} << 20;
};

// gamma = (2 / eps) ln((1 - beta) (vocabulary_size - 1) / beta); -infinity
// for a vocabulary of one word (L_x is then empty).
double tem_threshold(double eps, double beta, size_t vocabulary_size);

class Tem : public Mechanism, public WordChannel {
 public:
  // `table` must outlive the mechanism. Fails when no corpus word has a vector.
  static Result<std::unique_ptr<Tem>> build(std::string name, ParamValues params,
                                            const EmbeddingTable& table,
                                            const std::vector<std::string>& corpus,
                                            const TemOptions& options);

  const std::vector<uint32_t>& vocabulary() const { return vocabulary_.rows(); }
  double threshold(double eps) const {
    return tem_threshold(eps, options_.beta, vocabulary_.size());
  }

  const std::vector<uint32_t>& channel_inputs() const override { return vocabulary(); }
  void channel_columns(std::span<const uint32_t> ys, double eps,
                       std::span<double> out) const override;
  std::vector<Distribution> channel_rows(std::span<const uint32_t> xs, double eps) const override;

 protected:
  Outcome sanitize_word(const Token& word, double eps, Rng& rng) const override;
  Outcome sanitize_number(const Token& number, double eps, Rng& rng) const override;

 private:
  Tem(std::string name, ParamValues params, const EmbeddingTable& table,
      std::vector<uint32_t> vocabulary, const TemOptions& options);
  void prepare(std::span<const Token> tokens) const override;
  // d(x, y) for every y of vocabulary(), in that order, as buckets
  // (eps-independent, cached).
  std::shared_ptr<const DistanceBuckets> distances(uint32_t row) const;
  Outcome decide(const Token& token, double eps, Rng& rng) const;
  // Per word of V (vocabulary() order), at one eps: the smallest t(x, y)
  // over V and the sum over y in V of exp(-eps (t(x, y) - smallest) / 2).
  struct Normalizers {
    std::vector<double> smallest;
    std::vector<double> total;
  };
  std::shared_ptr<const Normalizers> normalizers(double eps) const;
  // Pr(y | x) for the x at `position` in V, from d(x, y).
  static double probability(const Normalizers& n, size_t position, float distance, double gamma,
                            double eps);

  const EmbeddingTable* table_;
  TemOptions options_;
  RowDistances vocabulary_;
  std::unordered_map<uint32_t, uint32_t> position_;  // row -> position in vocabulary()
  mutable BlockPool bucket_bytes_;                   // of the cached buckets; outlives them
  mutable BoundedCache<DistanceBuckets> cache_;
  mutable PerEps<Normalizers> normalizers_;  // the channel's, made on first use
};

}  // namespace privqa
