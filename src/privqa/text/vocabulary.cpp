#include "privqa/text/vocabulary.h"

#include <algorithm>
#include <numeric>

#include "privqa/text/normalize.h"
#include "privqa/text/tokenizer.h"

namespace privqa {

void Vocabulary::add(std::string_view folded_word, uint64_t count) {
  const auto [it, inserted] = index_.try_emplace(std::string(folded_word), words_.size());
  if (inserted) {
    words_.emplace_back(folded_word);
    counts_.push_back(0);
  }
  counts_[it->second] += count;
  total_ += count;
}

void Vocabulary::add_text(std::string_view text) {
  for (const Token& token : tokenize(text)) {
    if (token.kind == TokenKind::kWord) add(fold_case(token.text));
  }
}

uint64_t Vocabulary::count(std::string_view folded_word) const {
  const auto it = index_.find(std::string(folded_word));
  return it == index_.end() ? 0 : counts_[it->second];
}

std::vector<std::string> Vocabulary::by_frequency() const {
  std::vector<size_t> order(words_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (counts_[a] != counts_[b]) return counts_[a] > counts_[b];
    return words_[a] < words_[b];
  });
  std::vector<std::string> out;
  out.reserve(order.size());
  for (const size_t i : order)
    out.push_back(words_[i]);
  return out;
}

}  // namespace privqa
