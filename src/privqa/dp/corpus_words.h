// The words of a task corpus that have an embedding: the vocabulary shared by
// the corpus-based mechanisms (SanText, SanText+, CusText+, TEM); and the
// table's most frequent words, that of the table-based ones (InferDPT, CMP,
// Mahalanobis, Vickrey).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/embed/embedding_table.h"
#include "privqa/text/tokenizer.h"

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

// The first `limit` rows of the table (most frequent first) that are one word
// token, so no output is punctuation, a fragment or a number. Fails, naming
// mechanism `owner`, when fewer than 2 are found.
Result<std::vector<uint32_t>> frequent_word_rows(const EmbeddingTable& table, size_t limit,
                                                 const std::string& owner);

// The embedding row of a word token as the mechanisms see it: its case-folded
// form looked up in the table.
std::optional<uint32_t> word_row(const EmbeddingTable& table, std::string_view word);

// The distinct rows of a text's word and number tokens for which `wanted`
// holds, in text order, with their vectors one after another: the queries of
// one batched distance computation.
struct TextRows {
  std::vector<uint32_t> rows;
  std::vector<float> vectors;
};
TextRows text_rows(std::span<const Token> tokens, const EmbeddingTable& table,
                   const std::function<bool(uint32_t)>& wanted);

}  // namespace privqa
