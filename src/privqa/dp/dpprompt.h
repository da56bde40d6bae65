// DP-Prompt: the local model paraphrases the question by plain temperature
// sampling (top_p 1, no top-k). Sampling one token at temperature T from
// logits clipped to [clip_low, clip_high] is the exponential mechanism with
// eps = 2 (clip_high - clip_low) / T per token, so a cell at eps samples at
//   T = 2 (clip_high - clip_low) / eps,
// and a paraphrase of n tokens spends n eps (sequential composition). The
// guarantee needs the clipped logits; a chat API that gives none samples
// from unclipped ones, and the eps is then nominal (docs/mechanisms.md).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/dp/params.h"

namespace privqa {

inline constexpr char kDpPromptName[] = "dpprompt";

struct DpPromptSettings {
  double clip_low = 0;
  double clip_high = 0.75;
};

const std::vector<ParamSpec>& dpprompt_param_specs();

// Reads resolved parameters; fails unless clip_high > clip_low.
Result<DpPromptSettings> dpprompt_settings(const ParamValues& values);

// The sampling temperature of a cell at `eps` (checked: finite, > 0).
double dpprompt_temperature(double eps, const DpPromptSettings& settings);

}  // namespace privqa
