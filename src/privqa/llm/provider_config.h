// Reading provider configurations from TOML. A provider is a table
//
//   [providers.deepseek]
//   base_url = "https://api.deepseek.com/v1"
//   # or replicas of one model, each request to the least loaded healthy one:
//   # base_urls = ["http://node1:8000/v1", { url = "http://node2:8000/v1", max_in_flight = 8 }]
//   model = "deepseek-chat"
//   api_key_env = "DEEPSEEK_API_KEY"   # the variable's name, never the key
//   max_in_flight = 64      min_in_flight = 1
//   rpm = 500               tpm = 1000000       # 0 = unlimited
//   burst = 0.5             # seconds of rpm and tpm that may be spent at once
//   timeout = 120           max_attempts = 6     # seconds; attempts per call
//   backoff = 0.5           backoff_cap = 60     # seconds: retry waits double from
//                                                # backoff up to the cap (full jitter)
//   give_up_after = 300     # seconds a provider may fail every attempt (calls
//                           # wait meanwhile, one probe at a time) before its
//                           # calls are given up and the run pauses it
//   hedge_after = 1.5       hedge_min_delay = 1  # an attempt slower than 1.5 x the p90
//                                                # latency of its kind (and the delay)
//                                                # gets a second copy (while nothing
//                                                # waits: the median); 0 = never
//   input_price_per_million = 0.27   output_price_per_million = 1.10
//   allow_insecure_http = false
//   extra_body = { reasoning_effort = "low" }
//
// base_url may use ${VAR} to read an environment variable (e.g. the simulated
// provider's URL). Unknown keys and wrong types are errors naming the file,
// line and key.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <string_view>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/llm/provider.h"

namespace privqa {

// Parses one provider table named `name`; `source` names the file in errors.
Result<ProviderConfig> parse_provider_config(const toml::table& table, std::string_view name,
                                             std::string_view source);

// Every [providers.NAME] table of a parsed document, in file order.
Result<std::vector<ProviderConfig>> parse_provider_configs(const toml::table& document,
                                                           std::string_view source);

// Reads `file` and returns the provider called `name`.
Result<ProviderConfig> load_provider_config(const std::filesystem::path& file,
                                            std::string_view name);

}  // namespace privqa
