#include "privqa/attack/word_prior.h"

#include <algorithm>
#include <map>

#include "privqa/dp/corpus_words.h"
#include "privqa/text/tokenizer.h"

namespace privqa::attack {

WordPrior::WordPrior(const EmbeddingTable& table, const std::vector<uint32_t>& inputs,
                     const std::vector<std::string>& corpus)
    : counts_(inputs.size(), 0), text_counts_(corpus.size()) {
  for (size_t i = 0; i < inputs.size(); ++i)
    position_.emplace(inputs[i], static_cast<uint32_t>(i));
  for (size_t t = 0; t < corpus.size(); ++t) {
    std::map<uint32_t, uint32_t> mine;
    for (const Token& token : tokenize(corpus[t])) {
      if (token.kind != TokenKind::kWord) continue;
      const auto row = word_row(table, token.text);
      if (!row) continue;
      if (const auto input = input_of(*row)) ++mine[static_cast<uint32_t>(*input)];
    }
    for (const auto& [input, count] : mine)
      counts_[input] += count;
    text_counts_[t].assign(mine.begin(), mine.end());
  }
}

std::optional<size_t> WordPrior::input_of(uint32_t row) const {
  const auto it = position_.find(row);
  if (it == position_.end()) return std::nullopt;
  return it->second;
}

double WordPrior::weight(size_t input, size_t left_out) const {
  const auto& own = text_counts_[left_out];
  const auto it = std::lower_bound(own.begin(), own.end(), std::make_pair(uint32_t(input), 0u));
  const uint64_t mine = it != own.end() && it->first == input ? it->second : 0;
  return static_cast<double>(counts_[input] - mine) + 1;
}

}  // namespace privqa::attack
