// Simulated model profiles, selected by the request's model name.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "privqa/base/result.h"

namespace privqa::sim {

struct Profile {
  std::string name;
  // Probability of answering correctly when the question is fully recognised;
  // otherwise the answer is a uniform guess among the options.
  double skill = 0.5;
  // Probability (times the recognition confidence) that a chain of thought
  // names the gold option's text.
  double cot_helpfulness = 0.5;
  // Probability (times the confidence) that a CoT which does not name the gold
  // option names a wrong option's text instead of staying generic.
  double cot_misleading = 0.5;
  // Probability that an answer follows the option named by a CoT in the prompt.
  double follow_rate = 0.7;
  // Probability that an answer reply states no option at all.
  double unparsed_rate = 0.01;
  // Latency: (base + per output token) * exp(jitter_sigma * Z), Z standard normal.
  double latency_base_ms = 200;
  double latency_per_token_ms = 10;
  double latency_jitter_sigma = 0.3;
  // Limits per minute; 0 = unlimited. Over a limit the reply is 429.
  double rpm = 0;
  double tpm = 0;
  // Bucket depth in seconds of the limit (how much burst is tolerated).
  double burst_seconds = 1;
};

using ProfileMap = std::map<std::string, Profile>;

// "sim-local" (a weak local model) and "sim-remote" (a strong, rate-limited remote model).
ProfileMap builtin_profiles();

// Reads a TOML file of [profile.NAME] tables with the fields of Profile (all
// optional; omitted fields keep the defaults above). Unknown keys, wrong types
// and out-of-range values are errors naming the file, line and key.
Result<ProfileMap> load_profiles(const std::filesystem::path& path);

}  // namespace privqa::sim
