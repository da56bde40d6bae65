#include "privqa/sim/reconstruction.h"

#include <unordered_set>
#include <vector>

#include "privqa/sim/replies.h"
#include "privqa/text/normalize.h"
#include "privqa/text/tokenizer.h"

namespace privqa::sim {

namespace {

bool is_word(const Token& t) {
  return t.kind == TokenKind::kWord || t.kind == TokenKind::kNumber;
}

}  // namespace

std::string reconstruct_question(std::string_view sanitized, const Question* recognized,
                                 double confidence, Draw& draw) {
  if (recognized == nullptr) return std::string(sanitized);
  std::vector<std::string> sanitized_words;
  std::unordered_set<std::string> survivors;
  for (const Token& t : tokenize(sanitized)) {
    if (!is_word(t)) continue;
    sanitized_words.push_back(t.text);
    survivors.insert(fold_case(t.text));
  }
  std::string out;
  size_t position = 0;
  for (const Token& t : tokenize(recognized->text)) {
    if (!is_word(t)) {
      out += t.text;
      continue;
    }
    const size_t at = position++;
    if (survivors.count(fold_case(t.text)) != 0 || draw.chance(confidence)) {
      out += t.text;
    } else if (at < sanitized_words.size()) {
      out += sanitized_words[at];
    }
  }
  return out;
}

std::string reconstruction_reply(const Profile& profile, const PromptAnalysis& prompt,
                                 const Question* recognized, double confidence, Draw& draw) {
  std::string reply = "Question: " + reconstruct_question(prompt.reconstruction_source, recognized,
                                                          confidence, draw);
  if (!prompt.wants_answer) return reply;
  if (prompt.options.size() >= 2) {
    const int choice = choose_answer(profile, prompt, recognized, confidence, draw);
    return reply + "\nAnswer: " +
           (choice < 0 ? std::string("unknown") : std::string(1, static_cast<char>('A' + choice)));
  }
  if (recognized == nullptr || recognized->options.empty()) return reply + "\nAnswer: unknown";
  const auto& options = recognized->options;
  const bool knows = recognized->labelled() && draw.chance(profile.skill * confidence);
  const size_t pick = knows ? static_cast<size_t>(recognized->answer) : draw.below(options.size());
  return reply + "\nAnswer: " + options[pick];
}

}  // namespace privqa::sim
