#include "privqa/dp/corpus_words.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "privqa/text/normalize.h"
#include "privqa/text/tokenizer.h"
#include "privqa/text/vocabulary.h"

namespace privqa {

CorpusWords corpus_words(const EmbeddingTable& table, const std::vector<std::string>& corpus) {
  Vocabulary vocabulary;
  for (const auto& text : corpus)
    vocabulary.add_text(text);
  CorpusWords out;
  out.corpus_distinct = vocabulary.size();
  std::unordered_set<uint32_t> seen;
  for (const auto& word : vocabulary.by_frequency()) {
    const auto row = table.lookup(word);
    if (!row || !seen.insert(*row).second) continue;
    out.rows.push_back(*row);
    out.counts.push_back(vocabulary.count(word));
  }
  return out;
}

Result<std::vector<uint32_t>> frequent_word_rows(const EmbeddingTable& table, size_t limit,
                                                 const std::string& owner) {
  std::vector<uint32_t> rows;
  for (uint32_t row = 0; row < table.size() && rows.size() < limit; ++row) {
    if (is_single_word(table.word(row))) rows.push_back(row);
  }
  if (rows.size() < 2) {
    return Error(fmt::format("{}: the embeddings have {} word rows; at least 2 are needed", owner,
                             rows.size()));
  }
  return rows;
}

std::optional<uint32_t> word_row(const EmbeddingTable& table, std::string_view word) {
  return table.lookup(fold_case(word));
}

TextRows text_rows(std::span<const Token> tokens, const EmbeddingTable& table,
                   const std::function<bool(uint32_t)>& wanted) {
  TextRows out;
  for (const Token& token : tokens) {
    if (token.kind != TokenKind::kWord && token.kind != TokenKind::kNumber) continue;
    const auto row = word_row(table, token.text);
    if (!row || !wanted(*row) ||
        std::find(out.rows.begin(), out.rows.end(), *row) != out.rows.end()) {
      continue;
    }
    out.rows.push_back(*row);
    const auto vector = table.row(*row);
    out.vectors.insert(out.vectors.end(), vector.begin(), vector.end());
  }
  return out;
}

}  // namespace privqa
