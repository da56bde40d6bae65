#include "privqa/exp/scenarios.h"

#include <algorithm>

#include "privqa/exp/phrasedp_candidates.h"
#include "privqa/exp/prompts.h"

namespace privqa {

const std::string& provider_of(const RunConfig& config, Role role) {
  return role == Role::kLocal ? config.local_provider : config.remote_provider;
}

const char* call_purpose_name(CallPurpose purpose) {
  switch (purpose) {
    case CallPurpose::kParaphrase:
      return "paraphrase";
    case CallPurpose::kPrivateParaphrase:
      return "dp_paraphrase";
    case CallPurpose::kCot:
      return "cot";
    case CallPurpose::kAnswer:
      return "answer";
    case CallPurpose::kReconstruct:
      return "reconstruct";
  }
  return "?";
}

int max_tokens_of(CallPurpose purpose, const RunConfig& config) {
  switch (purpose) {
    case CallPurpose::kParaphrase:
    case CallPurpose::kPrivateParaphrase:
    case CallPurpose::kReconstruct:
      return kParaphraseMaxTokens;
    case CallPurpose::kCot:
      return config.max_cot_tokens;
    case CallPurpose::kAnswer:
      return config.max_answer_tokens;
  }
  return 0;
}

bool needs_sanitized_text(Scenario scenario) {
  for (const ScenarioStep& step : steps_of(scenario)) {
    if (step.text == StepText::kSanitized) return true;
  }
  return false;
}

bool sanitizes(const RunConfig& config) {
  return std::any_of(config.scenarios.begin(), config.scenarios.end(), needs_sanitized_text);
}

std::string step_prompt(const ScenarioStep& step, Scenario scenario, const RunConfig& config,
                        const Question& q, const StepInputs& inputs) {
  const Prompts& p = config.prompts;
  const bool sanitized = step.text == StepText::kSanitized;
  const std::string text(sanitized ? inputs.sanitized : q.text);
  std::string context;
  if (step.model == Role::kLocal) {
    context = q.context;
  } else if (config.remote_sees_context(attacked_scenario(scenario))) {
    context = sanitized ? inputs.sanitized_context : q.context;
  }
  const bool options = step.options == StepOptions::kAlways ||
                       (step.options == StepOptions::kIfAllowed && config.include_options_remote);
  const std::string listed = options ? format_options(q.options) : "";
  if (step.purpose == CallPurpose::kReconstruct) {
    return render_template(
        scenario == Scenario::kReconstruct ? p.reconstruct : p.reconstruct_answer,
        {{"question", text}, {"options", listed}, {"context", context}});
  }
  if (step.purpose == CallPurpose::kAnswer) {
    if (inputs.cot.empty()) {
      return render_template(p.answer,
                             {{"question", text}, {"options", listed}, {"context", context}});
    }
    return render_template(p.answer_with_cot, {{"question", text},
                                               {"options", listed},
                                               {"cot", std::string(inputs.cot)},
                                               {"context", context}});
  }
  return render_template(options ? p.cot_with_options : p.cot,
                         {{"question", text}, {"options", listed}, {"context", context}});
}

}  // namespace privqa
