#include "privqa/dp/dpprompt.h"

#include <fmt/format.h>

namespace privqa {

const std::vector<ParamSpec>& dpprompt_param_specs() {
  static const std::vector<ParamSpec> specs = {
      {"clip_low", ParamType::kReal, "0", -1e6, 1e6, {}, "lower bound of the clipped logits"},
      {"clip_high", ParamType::kReal, "0.75", -1e6, 1e6, {}, "upper bound of the clipped logits"},
  };
  return specs;
}

Result<DpPromptSettings> dpprompt_settings(const ParamValues& values) {
  DpPromptSettings s{.clip_low = values.real("clip_low"), .clip_high = values.real("clip_high")};
  if (!(s.clip_high > s.clip_low)) {
    return Error(
        fmt::format("{}: parameter 'clip_high' ({}) must be greater than parameter 'clip_low' ({})",
                    kDpPromptName, s.clip_high, s.clip_low));
  }
  return s;
}

double dpprompt_temperature(double eps, const DpPromptSettings& settings) {
  return 2 * (settings.clip_high - settings.clip_low) / eps;
}

}  // namespace privqa
