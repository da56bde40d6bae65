// The words of a task corpus that have an embedding: the vocabulary shared by
// the corpus-based mechanisms (SanText, SanText+, CusText+).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/embed/embedding_table.h"

namespace privqa {

struct CorpusWords {
  std::vector<uint32_t> rows;    // embedding rows, most frequent corpus word first
  std::vector<uint64_t> counts;  // corpus count of each, parallel to rows
  size_t corpus_distinct = 0;    // distinct folded words in the corpus, with or without a vector
};

// Counts the case-folded word tokens of every text; keeps those with a vector.
// Ties in frequency are ordered by the word's bytes, so the result does not
// depend on the order of the texts.
CorpusWords corpus_words(const EmbeddingTable& table, const std::vector<std::string>& corpus);

// The embedding row of a word token as the mechanisms see it: its case-folded
// form looked up in the table.
std::optional<uint32_t> word_row(const EmbeddingTable& table, std::string_view word);

}  // namespace privqa
