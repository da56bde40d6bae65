#include "privqa/sim/paraphraser.h"

#include <algorithm>
#include <set>

#include "privqa/text/normalize.h"
#include "privqa/text/stopwords.h"
#include "privqa/text/tokenizer.h"

namespace privqa::sim {

namespace {

constexpr int kMaxAttemptsPerVariant = 20;

bool is_ascii_upper(char c) {
  return c >= 'A' && c <= 'Z';
}

std::string with_case_of(const std::string& model, std::string word) {
  if (!model.empty() && !word.empty() && is_ascii_upper(model[0]) && word[0] >= 'a' &&
      word[0] <= 'z') {
    word[0] = static_cast<char>(word[0] - 'a' + 'A');
  }
  return word;
}

// Collapses the gaps deletions leave: runs of spaces, spaces before
// punctuation, and leading or trailing spaces.
std::string tidy(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool closing = c == ',' || c == '.' || c == ';' || c == ':' || c == '?' || c == '!';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    if (closing && !out.empty() && out.back() == ' ') out.pop_back();
    out += c;
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

}  // namespace

Paraphraser::Paraphraser(NeighbourSource neighbours) : neighbours_(std::move(neighbours)) {}

std::string Paraphraser::one_variant(std::string_view text, double temperature, Draw& draw) const {
  static const char* const kGenericNouns[] = {"condition", "finding", "structure", "factor",
                                              "feature",   "process", "agent"};
  static const char* const kGenericAmounts[] = {"some", "several", "a certain number of"};
  double change_rate = 0.15 + 0.6 * draw.uniform();
  if (temperature != kReferenceTemperature) {
    change_rate = std::min(1.0, change_rate * temperature / kReferenceTemperature);
  }
  std::string out;
  for (const Token& token : tokenize(text)) {
    const bool word = token.kind == TokenKind::kWord;
    const bool number = token.kind == TokenKind::kNumber;
    if (!(word || number) || !draw.chance(change_rate)) {
      out += token.text;
      continue;
    }
    const std::string folded = fold_case(token.text);
    if (word && (is_stopword(folded) || folded.size() < 3)) {
      out += token.text;
      continue;
    }
    if (number) {
      out += kGenericAmounts[draw.below(std::size(kGenericAmounts))];
      continue;
    }
    if (neighbours_ && draw.chance(0.7)) {
      const auto candidates = neighbours_(folded);
      if (!candidates.empty()) {
        out += with_case_of(token.text,
                            candidates[draw.below(std::min<size_t>(candidates.size(), 5))]);
        continue;
      }
    }
    if (draw.chance(0.5)) continue;  // deletion
    out += with_case_of(token.text, kGenericNouns[draw.below(std::size(kGenericNouns))]);
  }
  return tidy(out);
}

std::vector<std::string> Paraphraser::variants(std::string_view text, size_t count,
                                               const Draw& draw, double temperature) const {
  std::set<std::string> seen = {fold_case(tidy(std::string(text)))};
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) {
    std::string variant;
    for (int attempt = 0; attempt < kMaxAttemptsPerVariant; ++attempt) {
      Draw attempt_draw = draw;
      attempt_draw.with(i).with(static_cast<uint64_t>(attempt));
      variant = one_variant(text, temperature, attempt_draw);
      if (seen.insert(fold_case(variant)).second) break;
    }
    out.push_back(std::move(variant));
  }
  return out;
}

}  // namespace privqa::sim
