// The text a simulated model writes for an answer request or a
// chain-of-thought request (docs/sim.md, "How requests are recognised").
// `recognized` is the dataset question the prompt was matched to (nullptr if
// none) and `confidence` the match confidence in [0, 1].
#pragma once

#include <string>

#include "privqa/data/question.h"
#include "privqa/sim/draw.h"
#include "privqa/sim/profile.h"
#include "privqa/sim/prompt.h"

namespace privqa::sim {

// Which option a simulated answer picks, before it is worded; -1 = no option
// (the reply will state none, exercising the client's "unparsed" outcome).
// If the prompt's reasoning names an option, it is followed with probability
// follow_rate; else the gold option is given with probability
// skill * confidence; else a uniform guess among the options.
int choose_answer(const Profile& profile, const PromptAnalysis& prompt, const Question* recognized,
                  double confidence, Draw& draw);

// The option of `prompt` holding the recognized question's gold text, or -1.
int gold_option(const PromptAnalysis& prompt, const Question* recognized);

// A reply stating option `choice` in one of several common wordings ("Answer: C",
// "The answer is C.", "(C) text", a lone "C", the option's text, ...), preceded
// by a short rationale when the prompt asks for reasoning.
std::string word_answer(const PromptAnalysis& prompt, int choice, Draw& draw);

// A chain of thought. It names the gold option's text with probability
// cot_helpfulness * confidence; otherwise a wrong option's text with probability
// cot_misleading * confidence; otherwise it stays generic (names no option).
std::string write_chain_of_thought(const Profile& profile, const PromptAnalysis& prompt,
                                   const Question* recognized, double confidence, Draw& draw);

}  // namespace privqa::sim
