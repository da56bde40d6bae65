#include "privqa/exp/dpprompt_paraphrase.h"

#include "privqa/dp/registry.h"
#include "privqa/exp/prompts.h"

namespace privqa {

bool is_dpprompt(const std::string& kind) {
  return kind == kDpPromptName;
}

bool is_dpprompt(const RunConfig& config, const std::string& label) {
  const MechanismConfig* m = config.mechanism(label);
  return m != nullptr && is_dpprompt(m->kind);
}

Result<DpPromptSettings> dpprompt_settings(const RunConfig& config, const MechanismConfig& m) {
  auto values = resolve_params(m.name, dpprompt_param_specs(), m.params);
  if (!values) return values.error().wrap(where_of(config, m));
  auto settings = dpprompt_settings(*values);
  if (!settings) return settings.error().wrap(where_of(config, m));
  return *settings;
}

std::string dpprompt_prompt(const RunConfig& config, const Question& q) {
  return render_template(config.prompts.paraphrase_dp, {{"question", q.text}});
}

nlohmann::json dpprompt_details(const DpPromptSettings& settings, double eps,
                                int64_t completion_tokens) {
  return {{"temperature", dpprompt_temperature(eps, settings)},
          {"clip", {settings.clip_low, settings.clip_high}},
          {"logits_clipped", false},
          {"sampled", completion_tokens},
          {"eps_per_token", eps},
          {"eps_spent", eps * static_cast<double>(completion_tokens)}};
}

}  // namespace privqa
