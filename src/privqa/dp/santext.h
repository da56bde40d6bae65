// SanText and SanText+ (Yue et al., "Differential Privacy for Text Analytics
// via Natural Text Sanitization", Findings of ACL 2021).
//
// V = corpus words with a vector; S = the ceil(w |V|) least frequent words of
// V. A word x in S, or any other word of V with probability p, is replaced by
// y in S drawn with Pr(y|x) ∝ exp(-eps d(x, y) / 2) (Euclidean distance);
// otherwise it is kept. A word outside V is replaced by a uniform draw from V
// (oov = "replace") or kept (oov = "keep"). SanText is w = 1.
// Numbers are words like any other: looked up in V.
//
// Sampling without a |S|-long table per (word, eps): the distances from x to S
// do not depend on eps; they are computed for all new words of a text (or of
// a chunk of texts, Mechanism::prepare_texts) in one matrix product and kept
// per word as dp/distance_buckets.h, which draws from them exactly.
//
// As a WordChannel (dp/word_channel.h) the inputs are V: Pr(y|x) =
// [x in S] q(y|x) + [x not in S] (p q(y|x) + (1 - p) [y = x]), q the
// replacement distribution above; its normalisers Z(x) are computed once per
// eps for all of V (|V| x |S| distances, in blocks) and cached.
#pragma once

#include <memory>
#include <mutex>
#include <span>
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

struct SanTextOptions {
  double sensitive_ratio = 0.9;  // w in (0, 1]
  double p = 0.3;                // replacement probability of a word of V outside S
  bool replace_oov = true;
  // Memory for the per-word cache of neighbourhoods. A neighbourhood takes
  // about |S| + 1 KiB bytes: on the whole MedMCQA dev set (|V| = 6,490,
  // |S| = 5,841) every word's fits in 64 MiB, so each word's distances are
  // computed once.
  size_t cache_bytes = size_t{64} << 20;
};

class SanText : public Mechanism, public WordChannel {
 public:
  // `table` must outlive the mechanism. Fails when no corpus word has a vector.
  static Result<std::unique_ptr<SanText>> build(std::string name, ParamValues params,
                                                const EmbeddingTable& table,
                                                const std::vector<std::string>& corpus,
                                                const SanTextOptions& options);

  const std::vector<uint32_t>& vocabulary() const {
    return vocabulary_;
  }  // rows, most frequent first
  const std::vector<uint32_t>& sensitive() const { return sensitive_.rows(); }  // rows
  bool in_vocabulary(uint32_t row) const { return index_.count(row) > 0; }
  bool is_sensitive(uint32_t row) const;
  // Pr(y | x) for every y of sensitive(), in that order; x must be in V.
  std::vector<double> replacement_probabilities(uint32_t row, double eps) const;

  const std::vector<uint32_t>& channel_inputs() const override { return vocabulary_; }
  void channel_columns(std::span<const uint32_t> ys, double eps,
                       std::span<double> out) const override;
  std::vector<Distribution> channel_rows(std::span<const uint32_t> xs, double eps) const override;

 protected:
  Outcome sanitize_word(const Token& word, double eps, Rng& rng) const override;
  Outcome sanitize_number(const Token& number, double eps, Rng& rng) const override;

 private:
  SanText(std::string name, ParamValues params, const EmbeddingTable& table,
          std::vector<uint32_t> vocabulary, size_t sensitive_count, const SanTextOptions& options);
  void prepare(std::span<const Token> tokens) const override;
  // S as seen from one vocabulary word x (eps-independent, cached), x's own
  // distance 0 when x is in S. One byte per member, so that every word of a
  // corpus fits the cache and is computed once; a drawn member's distance is
  // computed again (the same float, row_distances.h).
  using Neighborhood = DistanceBuckets;
  Outcome decide(const Token& token, double eps, Rng& rng) const;
  // From x's distances to S (in sensitive() order; x's own entry is set to 0).
  Neighborhood make_neighborhood(uint32_t row, std::span<float> distances) const;
  std::shared_ptr<const Neighborhood> neighborhood(uint32_t row) const;
  // d(x, y) for x = `row` and y = sensitive() position `i`, 0 when y is x.
  float distance(uint32_t row, size_t i) const;
  // Per word of V (vocabulary() order), at one eps: its smallest distance to
  // S and sum over y in S of exp(-eps (d(x, y) - nearest) / 2).
  struct Normalizers {
    std::vector<float> nearest;
    std::vector<double> total;
  };
  std::shared_ptr<const Normalizers> normalizers(double eps) const;
  // Distances from each of `rows` (words of V) to S, one row of |S| after
  // the other, with a word's distance to itself set to 0 as in sampling.
  void distances_to_sensitive(std::span<const uint32_t> rows, std::vector<float>& out) const;

  const EmbeddingTable* table_;
  SanTextOptions options_;
  std::vector<uint32_t> vocabulary_;
  std::unordered_map<uint32_t, uint32_t> index_;  // row -> position in vocabulary_
  size_t first_sensitive_;                        // positions >= this are in S
  RowDistances sensitive_;
  mutable BlockPool buckets_;  // the neighbourhoods' bucket bytes; outlives them
  mutable BoundedCache<Neighborhood> neighborhoods_;
  // The channel's state, made on first use (sanitizing never needs it).
  mutable std::mutex channel_mutex_;
  mutable std::unique_ptr<RowDistances> vocabulary_distances_;
  mutable PerEps<Normalizers> normalizers_;
};

}  // namespace privqa
