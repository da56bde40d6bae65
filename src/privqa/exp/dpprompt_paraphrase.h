// DP-Prompt in a run (dp/dpprompt.h): each S3 cell of a DP-Prompt mechanism
// asks the local model for one paraphrase of the question, sampled at the
// cell's temperature with top_p 1; the paraphrase is the text the remote
// model sees. Unlike PhraseDP's candidates, nothing is shared across eps:
// the temperature is the mechanism.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "privqa/base/result.h"
#include "privqa/data/question.h"
#include "privqa/dp/dpprompt.h"
#include "privqa/exp/run_config.h"

namespace privqa {

// Whether a mechanism of this kind (registry name) is DP-Prompt.
bool is_dpprompt(const std::string& kind);
// Whether the cells of the mechanism labelled `label` are DP-Prompt's.
bool is_dpprompt(const RunConfig& config, const std::string& label);

// The settings of mechanism `m`; an error names its config line.
Result<DpPromptSettings> dpprompt_settings(const RunConfig& config, const MechanismConfig& m);

// The prompt of a question's DP-Prompt paraphrase.
std::string dpprompt_prompt(const RunConfig& config, const Question& q);

// What a DP-Prompt cell stores as its mechanism details: the temperature,
// the clipping range, the tokens sampled (the provider's count) and the eps
// they spent, nominal because a chat API samples from unclipped logits.
nlohmann::json dpprompt_details(const DpPromptSettings& settings, double eps,
                                int64_t completion_tokens);

}  // namespace privqa
