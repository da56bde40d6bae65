#include "privqa/sim/replies.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <vector>

#include "privqa/sim/question_index.h"

namespace privqa::sim {

namespace {

template <size_t N>
const char* pick(const char* const (&choices)[N], Draw& draw) {
  return choices[draw.below(N)];
}

// Up to `limit` distinct content words of the prompt's question text, leaving
// out the words prompts use to give instructions.
std::string key_terms(const PromptAnalysis& prompt, size_t limit) {
  static const std::set<std::string> instruction_words = {
      "answer",  "question", "step",    "think",   "reasoning", "reason",  "explain",
      "options", "option",   "letter",  "correct", "following", "provide", "write",
      "brief",   "chain",    "thought", "please",  "respond",   "concise", "short"};
  std::vector<std::string> picked;
  for (const std::string& term : content_terms(prompt.question_text)) {
    if (instruction_words.count(term) > 0) continue;
    if (std::find(picked.begin(), picked.end(), term) != picked.end()) continue;
    picked.push_back(term);
    if (picked.size() == limit) break;
  }
  if (picked.empty()) return "the findings described";
  if (picked.size() == 1) return picked[0];
  std::string out;
  for (size_t i = 0; i + 1 < picked.size(); ++i)
    out += (i ? ", " : "") + picked[i];
  return out + " and " + picked.back();
}

}  // namespace

int gold_option(const PromptAnalysis& prompt, const Question* recognized) {
  if (recognized == nullptr || !recognized->labelled()) return -1;
  const std::string gold = normalized_words(recognized->options[recognized->answer]);
  for (size_t i = 0; i < prompt.options.size(); ++i) {
    if (normalized_words(prompt.options[i]) == gold) return static_cast<int>(i);
  }
  return -1;
}

int choose_answer(const Profile& profile, const PromptAnalysis& prompt, const Question* recognized,
                  double confidence, Draw& draw) {
  if (draw.chance(profile.unparsed_rate)) return -1;
  const int named = named_option(prompt.supplied_reasoning, prompt.options);
  if (named >= 0 && draw.chance(profile.follow_rate)) return named;
  const int gold = gold_option(prompt, recognized);
  if (gold >= 0 && draw.chance(profile.skill * confidence)) return gold;
  return static_cast<int>(draw.below(prompt.options.size()));
}

std::string word_answer(const PromptAnalysis& prompt, int choice, Draw& draw) {
  if (choice < 0) {
    static const char* const kNoAnswer[] = {
        "I cannot determine the correct answer from the information given.",
        "More clinical detail would be needed to decide; I cannot choose with confidence.",
        "I'm not able to answer this question reliably.",
    };
    return pick(kNoAnswer, draw);
  }
  const char letter = static_cast<char>('A' + choice);
  const std::string& text = prompt.options[static_cast<size_t>(choice)];
  std::string rationale;
  if (prompt.wants_reasoning) {
    rationale = fmt::format(
        "{} {} fits the findings best.\n\n",
        pick({"Considering each option in turn,", "Weighing the options against the key features,",
              "Looking at the mechanism involved,"},
             draw),
        text);
  }
  static const char* const kForms[] = {
      "Answer: {L}",
      "The answer is {L}.",
      "{L}",
      "**Answer: {L}**",
      "({L}) {T}",
      "{L}) {T}",
      "The correct option is {L}: {T}.",
      "THE ANSWER IS {L}",
      "{T}",
      "Answer: {L}. {T}",
  };
  // With a rationale, the reply ends in an explicit "Answer:" line as models usually do.
  const std::string form = prompt.wants_reasoning ? "Answer: {L}" : pick(kForms, draw);
  return rationale + fmt::format(fmt::runtime(form), fmt::arg("L", std::string(1, letter)),
                                 fmt::arg("T", text));
}

std::string write_chain_of_thought(const Profile& profile, const PromptAnalysis& prompt,
                                   const Question* recognized, double confidence, Draw& draw) {
  std::string named;
  if (recognized != nullptr && recognized->labelled()) {
    const auto& options = recognized->options;
    if (draw.chance(profile.cot_helpfulness * confidence)) {
      named = options[recognized->answer];
    } else if (options.size() > 1 && draw.chance(profile.cot_misleading * confidence)) {
      size_t wrong = draw.below(options.size() - 1);
      if (wrong >= static_cast<size_t>(recognized->answer)) ++wrong;
      named = options[wrong];
    }
  }
  const std::string terms = key_terms(prompt, 4);
  std::string text = fmt::format(
      "{} The question turns on {}. {}",
      pick({"Let's think step by step.", "Let me reason through this.",
            "We can work through this systematically."},
           draw),
      terms,
      pick({"The first step is to identify the underlying mechanism and the typical presentation.",
            "Relating the key features to the relevant anatomy and physiology narrows it down.",
            "Recalling the standard teaching on this topic helps to separate the possibilities."},
           draw));
  if (named.empty()) {
    text += fmt::format(
        " {}",
        pick({"Without more specific details, several explanations remain plausible; the most "
              "common cause consistent with these features should be preferred.",
              "The description is too general to single out one explanation with confidence, so "
              "the choice should rest on which possibility is most typical.",
              "Several conditions could fit this picture, and the deciding detail is not given."},
             draw));
  } else {
    text += fmt::format(" {} {}.",
                        pick({"Putting this together, the most likely answer is", "This points to",
                              "Therefore, the best choice is"},
                             draw),
                        named);
  }
  return text;
}

}  // namespace privqa::sim
