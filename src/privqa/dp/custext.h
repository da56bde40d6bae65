// CusText and CusText+ (Chen et al., "A Customized Text Sanitization
// Mechanism with Differential Privacy", Findings of ACL 2023),
// "conservative" mapping.
//
// Build: over the corpus words with a vector, most frequent first, a word x
// not yet mapped takes its K nearest rows by cosine (x included) among the
// candidate pool minus rows used by earlier sets; each member of that set is
// mapped to the set. Sanitize: a mapped word x becomes y of its set with
// Pr(y|x) ∝ exp(eps u(x, y) / 2), u = cosine similarity min-max normalised to
// [0, 1] within the set. CusText+ keeps stopwords (the "+"); CusText
// sanitizes them like other words. A number n becomes
// round(n) + a uniform integer in [0, 1000), exactly at any length; other
// words (no vector, or not mapped) are kept (oov = "keep") or replaced by a
// uniform corpus word.
//
// As a WordChannel (dp/word_channel.h) the inputs are the mapped rows:
// Pr(y|x) is the softmax above over x's set, or [y = x] for a stopword that
// CusText+ keeps (CusText's stopwords follow the softmax like other words).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "privqa/dp/mechanism.h"
#include "privqa/dp/word_channel.h"
#include "privqa/embed/embedding_table.h"

namespace privqa {

struct CusTextOptions {
  size_t top_k = 20;
  // Candidate rows: the pool_size most frequent rows of the table plus every
  // corpus word with a vector (0: the whole table).
  size_t pool_size = 20000;
  // Only table rows that are one word token are candidates (and counted in
  // pool_size), so no word becomes punctuation, a fragment ("'s") or a
  // number; false: every row, as in the original.
  bool word_rows_only = true;
  bool replace_oov = false;
  // Stopwords are kept unsanitized (CusText+); false: they are sanitized
  // like any other word (CusText).
  bool keep_stopwords = true;
};

class CusText : public Mechanism, public WordChannel {
 public:
  // `table` must outlive the mechanism. Fails when no corpus word has a vector.
  static Result<std::unique_ptr<CusText>> build(std::string name, ParamValues params,
                                                const EmbeddingTable& table,
                                                const std::vector<std::string>& corpus,
                                                const CusTextOptions& options);

  // The output set of a mapped row (rows, in set order), or nullptr.
  const std::vector<uint32_t>* candidates(uint32_t row) const;
  // Pr(y | x) over *candidates(x), in that order; x must be mapped.
  std::vector<double> replacement_probabilities(uint32_t row, double eps) const;
  size_t cluster_count() const { return clusters_.size(); }

  const std::vector<uint32_t>& channel_inputs() const override { return mapped_rows_; }
  void channel_columns(std::span<const uint32_t> ys, double eps,
                       std::span<double> out) const override;
  std::vector<Distribution> channel_rows(std::span<const uint32_t> xs, double eps) const override;

 protected:
  Outcome sanitize_word(const Token& word, double eps, Rng& rng) const override;
  Outcome sanitize_number(const Token& number, double eps, Rng& rng) const override;

 private:
  struct Mapping {
    uint32_t cluster;
    std::vector<float> utility;  // u(x, y) per member of the cluster, in [0, 1]
  };
  CusText(std::string name, ParamValues params, const EmbeddingTable& table,
          const CusTextOptions& options)
      : Mechanism(std::move(name), std::move(params)), table_(&table), options_(options) {}
  void build_clusters(const std::vector<uint32_t>& corpus_rows);
  std::vector<double> scores(const Mapping& mapping, double eps) const;
  // A stopword the mechanism keeps (CusText+ only).
  bool is_kept_stopword(uint32_t row) const;

  const EmbeddingTable* table_;
  CusTextOptions options_;
  std::vector<uint32_t> corpus_rows_;
  std::vector<std::vector<uint32_t>> clusters_;
  std::unordered_map<uint32_t, Mapping> mapping_;
  std::vector<uint32_t> mapped_rows_;                // the sets' members, set by set
  std::unordered_map<uint32_t, uint32_t> position_;  // row -> position in mapped_rows_
};

}  // namespace privqa
