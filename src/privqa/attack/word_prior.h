// The adversary's prior over a channel's input words (docs/privacy.md):
// pi(x) proportional to count(x) + 1, the word's count in a public corpus
// with add-one smoothing over the inputs, so that every input stays possible.
// When the corpus is the attacked dataset itself, the counts of the text
// under attack are left out (leave-one-out), so that the prior never holds
// the very text it helps to guess.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "privqa/embed/embedding_table.h"

namespace privqa::attack {

class WordPrior {
 public:
  // Counts the folded word tokens of every corpus text that are
  // among `inputs` (table rows, as WordChannel::channel_inputs()).
  WordPrior(const EmbeddingTable& table, const std::vector<uint32_t>& inputs,
            const std::vector<std::string>& corpus);

  size_t size() const { return counts_.size(); }  // the number of inputs
  std::optional<size_t> input_of(uint32_t row) const;
  // count(x) + 1 over the whole corpus (input positions).
  double weight(size_t input) const { return static_cast<double>(counts_[input]) + 1; }
  // count(x) + 1 with corpus text `left_out`'s occurrences removed.
  double weight(size_t input, size_t left_out) const;
  size_t corpus_size() const { return text_counts_.size(); }
  // Text t's (input position, count) pairs, by position.
  const std::vector<std::pair<uint32_t, uint32_t>>& text_counts(size_t t) const {
    return text_counts_[t];
  }

 private:
  std::vector<uint64_t> counts_;
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> text_counts_;
  std::unordered_map<uint32_t, uint32_t> position_;  // row -> input position
};

}  // namespace privqa::attack
