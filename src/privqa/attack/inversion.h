// Mechanism-aware inversion (docs/privacy.md): for each sanitized word y the
// adversary guesses the original word by maximum a posteriori,
// argmax_x pi(x) Pr(y | x), with the mechanism's exact channel and the prior
// of attack/word_prior.h; ties go to the earlier channel input. Recovery is
// the share of original word tokens (among the channel's inputs) whose guess
// is the original, case-folded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "privqa/attack/word_prior.h"
#include "privqa/dp/word_channel.h"
#include "privqa/embed/embedding_table.h"

namespace privqa::attack {

// Posterior Pr(x | y) over the channel inputs (prior position order), with
// text `left_out` of the prior's corpus left out when given. All zeros when
// no input can produce y.
std::vector<double> posterior(const WordChannel& channel, const WordPrior& prior, uint32_t y,
                              double eps, std::optional<size_t> left_out = std::nullopt);

struct AttackText {
  std::string original;
  std::string sanitized;
  // The text's position in the prior's corpus, whose counts are then left
  // out; none for a corpus that does not contain it.
  std::optional<size_t> corpus_index;
};

// Word classes reported apart (table rows).
struct WordClasses {
  std::unordered_set<uint32_t> rare;
  std::unordered_set<uint32_t> sensitive;
};

struct Recovery {
  size_t tokens = 0;
  size_t recovered = 0;
};

struct InversionResult {
  Recovery all, rare, sensitive;
  size_t texts = 0;
  // Texts that do not split into one word per original word and number
  // token between the original's separators (a mechanism that drops words,
  // or a text edited after sanitization): not attacked.
  size_t unaligned_texts = 0;
  // Original word tokens outside the channel's inputs (no vector, not in the
  // mechanism's vocabulary): the channel does not describe them.
  size_t uncovered_tokens = 0;
};

// Pairs each word or number token of an original with the piece of its
// sanitized text between the same separators (word-level mechanisms keep
// spacing and punctuation and replace a word by one word, which may merge
// with a neighbour on re-tokenizing: "2-3" -> "too-3") and guesses every
// original word token the channel covers.
InversionResult invert(const WordChannel& channel, const EmbeddingTable& table,
                       const WordPrior& prior, double eps, const std::vector<AttackText>& texts,
                       const WordClasses& classes);

}  // namespace privqa::attack
