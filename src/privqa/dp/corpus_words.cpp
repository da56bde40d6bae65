#include "privqa/dp/corpus_words.h"

#include <unordered_set>

#include "privqa/text/normalize.h"
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

std::optional<uint32_t> word_row(const EmbeddingTable& table, std::string_view word) {
  return table.lookup(fold_case(word));
}

}  // namespace privqa
