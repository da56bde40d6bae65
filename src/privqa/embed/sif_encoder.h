// SIF sentence embeddings (Arora, Liang, Ma, "A Simple but Tough-to-Beat
// Baseline for Sentence Embeddings", ICLR 2017): the mean of the word vectors
// weighted by a / (a + p(w)), minus the projection on the first singular
// vector of the corpus' sentence embeddings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "privqa/embed/embedding_table.h"
#include "privqa/embed/sentence_encoder.h"

namespace privqa {

class SifEncoder : public SentenceEncoder {
 public:
  // corpus: texts used for the word frequencies p(w) and for the first
  // principal component. Empty corpus: p(w) from the table's frequency rank
  // (Zipf: p = 1 / ((rank + 1) * H_N)) and no component removal.
  // `table` must outlive the encoder.
  static Result<SifEncoder> build(const EmbeddingTable& table,
                                  const std::vector<std::string>& corpus, double a = 1e-3);

  size_t dims() const override { return table_->dims(); }
  // Word tokens are looked up with EmbeddingTable::lookup; words without a
  // vector are skipped. A text with no known word encodes to the zero vector.
  Result<std::vector<float>> encode(std::string_view text) const override;

  // a / (a + p(w)) of a word; 1 for a word without a vector (p = 0).
  double weight(std::string_view word) const;
  // The removed direction (unit norm), empty when none was fitted.
  const std::vector<float>& principal_component() const { return pc_; }

 private:
  explicit SifEncoder(const EmbeddingTable& table) : table_(&table) {}
  std::vector<float> weighted_mean(std::string_view text) const;

  const EmbeddingTable* table_;
  std::vector<float> row_weight_;  // a / (a + p(w)) per table row
  std::vector<float> pc_;
};

}  // namespace privqa
