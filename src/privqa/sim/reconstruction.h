// The simulated attacker of the reconstruction scenarios A1 and A2
// (docs/sim.md, "Reconstruction requests"; docs/privacy.md). It knows the
// dataset: the sanitized text is matched to a question by BM25 (`recognized`,
// with confidence c in [0, 1], question_index.h), and the attacker recalls
// that question's words the more surely the more of them survived.
#pragma once

#include <string>
#include <string_view>

#include "privqa/data/question.h"
#include "privqa/sim/draw.h"
#include "privqa/sim/profile.h"
#include "privqa/sim/prompt.h"

namespace privqa::sim {

// The attacker's reconstruction of `sanitized`. Every token of the
// recognized question is written in order; each of its words (or numbers) is
// written as it is when it survived (its folded form occurs in the sanitized
// text) or, failing that, with probability c; a word not recalled becomes the
// sanitized text's word at the same word position (word-level mechanisms keep
// positions), or is left out when there is none. Without a recognized
// question the reconstruction is the sanitized text.
std::string reconstruct_question(std::string_view sanitized, const Question* recognized,
                                 double confidence, Draw& draw);

// The reply to a reconstruction request: "Question: <reconstruction>", and
// when the prompt asks for an answer (A2) a second line "Answer: ...": with
// listed options, the option choose_answer (replies.h) picks, by its letter;
// without, the recognized question's gold option text with probability
// skill * c, else one of its options uniformly ("unknown" with no question).
std::string reconstruction_reply(const Profile& profile, const PromptAnalysis& prompt,
                                 const Question* recognized, double confidence, Draw& draw);

}  // namespace privqa::sim
