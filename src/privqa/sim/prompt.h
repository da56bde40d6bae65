// What a chat request asks for, recognised from its messages' text. The rules
// (documented in docs/sim.md, which prompt templates follow):
//  - reconstruction (the attacks A1, A2): the text mentions "reconstruct";
//  - paraphrase: the text mentions "paraphras" or "rephras" (any case);
//  - answer: two or more option lines "A) text", "B. text", "(C) text", ...
//    lettered from A in order, and the word "letter" somewhere in the prompt;
//  - chain of thought (CoT): anything else.
#pragma once

#include <string>
#include <vector>

namespace privqa::sim {

struct ChatMessage {
  std::string role;
  std::string content;
};

enum class RequestKind { kAnswer, kCot, kParaphrase, kReconstruct };
const char* request_kind_name(RequestKind kind);

struct PromptAnalysis {
  RequestKind kind = RequestKind::kCot;
  // Text used to recognise the question: for answers, the prompt without its
  // option lines and supplied reasoning; otherwise the whole prompt.
  std::string question_text;
  std::vector<std::string> options;  // answer requests: option texts, A first
  // Answer requests: reasoning supplied with the prompt, i.e. assistant
  // messages plus any section introduced by a label line such as "Reasoning:".
  std::string supplied_reasoning;
  // A passage given with the question: lines from a "Context:" (or
  // "Passage:", "Abstract:") label to the next section. It is left out of
  // question_text, so a long passage does not hide which question it is.
  std::string supplied_context;
  bool wants_reasoning = false;  // asks to reason ("step by step", "explain", ...)
  // Paraphrase requests: the text to paraphrase and how many variants the
  // prompt asks for in one reply ("Give 10 paraphrases" -> 10; default 1).
  std::string paraphrase_source;
  int paraphrases_per_reply = 1;
  // Reconstruction requests: the sanitized text (found as a paraphrase
  // request's source is), and whether the prompt also asks for an answer
  // (its text other than the sanitized text mentions "answer": A2).
  std::string reconstruction_source;
  bool wants_answer = false;
};

PromptAnalysis analyze_prompt(const std::vector<ChatMessage>& messages);

// Index of the option whose text the reasoning names (as a whole-word phrase,
// case-insensitively), or -1. When several are named, the one mentioned last
// wins (a conclusion comes at the end); a longer option beats one it contains.
int named_option(const std::string& reasoning, const std::vector<std::string>& options);

// Folded word/number tokens of `text` joined by single spaces: the form in
// which option texts are compared.
std::string normalized_words(const std::string& text);

}  // namespace privqa::sim
