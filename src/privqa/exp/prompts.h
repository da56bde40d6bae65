// Prompt templates. Placeholders in braces are filled per request:
//   {question}  the question text (sanitized, for S3 CoT requests)
//   {options}   lettered options, one per line: "A) ...", "B) ..." (A2: its
//               paragraph is left out when the run keeps options local)
//   {cot}       a chain of thought to answer with
//   {context}   the question's passage, in the form the step may show it; a
//               paragraph (lines between blank lines) holding it is left out
//               when the step shows none (docs/experiments.md, "Passages")
//   {low} {high}  PhraseDP band variant: the similarity band aimed at
// The defaults are written to fit any chat model and the simulated provider's
// request recognition (docs/sim.md). A config may override each one.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "privqa/base/result.h"

namespace privqa {

struct Prompts {
  std::string system;              // sent as a system message when not empty
  std::string answer;              // S1, S4: {question} {options}
  std::string answer_with_cot;     // S2, S3, S5: {question} {options} {cot}
  std::string cot;                 // S2, S3 (remote), S5 (local): {question}
  std::string cot_with_options;    // as cot when options may be shown: {question} {options}
  std::string paraphrase;          // PhraseDP "old": {question}
  std::string paraphrase_medical;  // PhraseDP "medical": {question}
  std::string paraphrase_band;     // PhraseDP "bands": {question} {low} {high}
  std::string paraphrase_dp;       // DP-Prompt: {question}
  // The reconstruction attacks (A1, A2) on the sanitized text; their replies
  // are read by exp/reconstruction_reply.h.
  std::string reconstruct;         // A1: {question}
  std::string reconstruct_answer;  // A2: {question} {options}
};

// With `passages`, the question prompts carry a "Context:" paragraph with
// {context}; without, they are the templates of a dataset without passages.
Prompts default_prompts(bool passages = false);

// Checks that `name`'s template uses only its allowed placeholders and all of
// its required ones.
Status check_template(const std::string& name, const std::string& text);

// Fills the placeholders of `text` from `values` (placeholders not in
// `values` are left as they are). A "context" or "options" value that is
// empty removes the paragraphs holding its placeholder instead.
std::string render_template(const std::string& text,
                            const std::map<std::string, std::string>& values);

// "A) first\nB) second\n..."
std::string format_options(const std::vector<std::string>& options);

}  // namespace privqa
