// SanText and SanText+ (Yue et al., "Differential Privacy for Text Analytics
// via Natural Text Sanitization", Findings of ACL 2021).
//
// V = corpus words with a vector; S = the ceil(w |V|) least frequent words of
// V. A word x in S, or any other word of V with probability p, is replaced by
// y in S drawn with Pr(y|x) ∝ exp(-eps d(x, y) / 2) (Euclidean distance);
// otherwise it is kept. A word outside V is replaced by a uniform draw from V
// (oov = "replace") or kept (oov = "keep"). SanText is w = 1.
// Numbers are words like any other: looked up in V.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "privqa/dp/bounded_cache.h"
#include "privqa/dp/mechanism.h"
#include "privqa/dp/row_distances.h"

namespace privqa {

struct SanTextOptions {
  double sensitive_ratio = 0.9;  // w in (0, 1]
  double p = 0.3;                // replacement probability of a word of V outside S
  bool replace_oov = true;
};

class SanText : public Mechanism {
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

 protected:
  Outcome sanitize_word(const Token& word, double eps, Rng& rng) const override;
  Outcome sanitize_number(const Token& number, double eps, Rng& rng) const override;

 private:
  SanText(std::string name, ParamValues params, const EmbeddingTable& table,
          std::vector<uint32_t> vocabulary, size_t sensitive_count, const SanTextOptions& options);
  // Distances from a vocabulary word to S (eps-independent, cached).
  struct DistanceRow {
    std::vector<float> values;
    size_t memory_bytes() const { return values.size() * sizeof(float); }
  };
  // Running sums of Pr(y|x) weights over S for one (word, eps), cached.
  struct Cumulative {
    std::vector<double> values;
    size_t memory_bytes() const { return values.size() * sizeof(double); }
  };
  Outcome decide(const Token& token, double eps, Rng& rng) const;
  std::shared_ptr<const DistanceRow> distances_to_sensitive(uint32_t row) const;
  std::vector<double> weights(uint32_t row, double eps) const;

  const EmbeddingTable* table_;
  SanTextOptions options_;
  std::vector<uint32_t> vocabulary_;
  std::unordered_map<uint32_t, uint32_t> index_;  // row -> position in vocabulary_
  size_t first_sensitive_;                        // positions >= this are in S
  RowDistances sensitive_;
  mutable WordEpsKeys keys_;
  mutable BoundedCache<DistanceRow> distance_rows_;
  mutable BoundedCache<Cumulative> samplers_;
};

}  // namespace privqa
