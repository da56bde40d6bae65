#include "privqa/attack/offline_attack.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <thread>

#include "privqa/dp/corpus_words.h"
#include "privqa/dp/registry.h"
#include "privqa/dp/santext.h"
#include "privqa/text/tokenizer.h"

namespace privqa::attack {
namespace {

std::set<uint32_t> word_rows_of(const EmbeddingTable& table, std::string_view text) {
  std::set<uint32_t> out;
  for (const Token& token : tokenize(text)) {
    if (token.kind != TokenKind::kWord) continue;
    if (const auto row = word_row(table, token.text)) out.insert(*row);
  }
  return out;
}

Result<WordClasses> word_classes(const EmbeddingTable& table,
                                 const std::vector<std::string>& corpus,
                                 const AttackOptions& options) {
  WordClasses classes;
  std::map<uint32_t, size_t> texts_with;
  for (const std::string& text : corpus) {
    for (uint32_t row : word_rows_of(table, text))
      ++texts_with[row];
  }
  const size_t limit = std::max<size_t>(1, corpus.size() / 1000);
  for (const auto& [row, count] : texts_with) {
    if (count <= limit) classes.rare.insert(row);
  }
  SanTextOptions santext;
  santext.sensitive_ratio = options.sensitive_ratio;
  santext.cache_bytes = 0;  // only its vocabulary is read
  auto santext_plus = SanText::build("sensitive words", {}, table, corpus, santext);
  if (!santext_plus) return santext_plus.error();
  for (uint32_t row : (*santext_plus)->sensitive())
    classes.sensitive.insert(row);
  return classes;
}

}  // namespace

Result<std::vector<GroupResult>> run_attacks(const EmbeddingTable& table,
                                             const std::vector<std::string>& corpus,
                                             const std::vector<AttackGroup>& groups,
                                             const AttackOptions& options) {
  auto classes = word_classes(table, corpus, options);
  if (!classes) return classes.error().wrap("the sensitive words");
  // Mechanisms and priors first (one per label), then the groups, several
  // at a time: the channels are safe to share between threads.
  std::map<std::string, std::shared_ptr<const Mechanism>> built;  // by label
  std::map<std::string, std::unique_ptr<WordPrior>> priors;       // by label, exact channels
  std::vector<GroupResult> out;
  for (const AttackGroup& group : groups) {
    out.push_back({.mechanism = group.mechanism,
                   .kind = group.kind,
                   .eps = group.eps,
                   .texts = group.texts.size()});
    auto info = find_mechanism(group.kind);
    if (!info) return info.error().wrap(group.mechanism);
    if (!(*info)->word_level || built.count(group.mechanism) != 0) continue;
    auto made = create_mechanism(group.kind, group.params, table, corpus);
    if (!made) return made.error().wrap(group.mechanism);
    built[group.mechanism] = *made;
    if (const auto* channel = dynamic_cast<const WordChannel*>(made->get())) {
      priors[group.mechanism] =
          std::make_unique<WordPrior>(table, channel->channel_inputs(), corpus);
    }
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t g = next++; g < groups.size(); g = next++) {
      const AttackGroup& group = groups[g];
      const auto prior = priors.find(group.mechanism);
      if (prior == priors.end()) continue;  // no exact channel
      const auto& channel = dynamic_cast<const WordChannel&>(*built.at(group.mechanism));
      GroupResult& r = out[g];
      r.exact_channel = true;
      r.inversion = invert(channel, table, *prior->second, group.eps, group.texts, *classes);
      std::set<uint32_t> words;
      for (const AttackText& text : group.texts) {
        for (uint32_t row : word_rows_of(table, text.original)) {
          if (prior->second->input_of(row)) words.insert(row);
        }
      }
      const std::vector<uint32_t> list(words.begin(), words.end());
      r.words = list.size();
      r.deniability = deniability(channel, group.eps, list, options.draws);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::min<size_t>(std::max(1u, options.threads), groups.size()); ++t)
    pool.emplace_back(work);
  work();
  for (auto& t : pool)
    t.join();
  return out;
}

}  // namespace privqa::attack
