// Word counts over a corpus.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace privqa {

// Folded word -> corpus count. Ids are assigned in order of first appearance.
class Vocabulary {
 public:
  void add(std::string_view folded_word, uint64_t count = 1);
  // Tokenizes `text`, folds the case of every kWord token and counts it.
  void add_text(std::string_view text);

  uint64_t count(std::string_view folded_word) const;  // 0 if absent
  size_t size() const { return words_.size(); }        // distinct words
  uint64_t total() const { return total_; }            // sum of all counts
  // Distinct words in order of first appearance.
  const std::vector<std::string>& words() const { return words_; }
  // Distinct words, most frequent first, ties broken by byte order of the word.
  std::vector<std::string> by_frequency() const;

 private:
  std::vector<std::string> words_;
  std::vector<uint64_t> counts_;  // parallel to words_
  std::unordered_map<std::string, size_t> index_;
  uint64_t total_ = 0;
};

}  // namespace privqa
