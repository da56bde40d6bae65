// A configured model provider: where to send requests, with which key
// variable, within which limits, at which price (README, "Running real
// experiments").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/base/result.h"

namespace privqa {

// One server of a provider that runs as several replicas of one model
// (e.g. a vLLM server per node).
struct ReplicaConfig {
  std::string base_url;
  int max_in_flight = 0;  // its own ceiling of requests in flight; 0 = the provider's
};

struct ProviderConfig {
  std::string name;      // the config's name for it, used in messages and counters
  std::string base_url;  // e.g. "https://api.deepseek.com/v1"; paths are appended
  // With two or more, each request goes to the least loaded healthy replica
  // (LlmClient); base_url is then the first one's, which keys the response
  // cache, so the replicas share their answers. Empty: base_url alone.
  std::vector<ReplicaConfig> replicas;
  std::string model;        // sent as "model"
  std::string api_key_env;  // name of the environment variable holding the key; "" = no key
  int max_in_flight = 64;   // ceiling of adaptive concurrency
  int min_in_flight = 1;    // floor of adaptive concurrency
  double rpm = 0;           // requests per minute; 0 = unlimited
  double tpm = 0;           // tokens per minute (prompt + completion); 0 = unlimited
  // Seconds of the rpm and tpm budgets that may be spent at once: the depth
  // of the provider's own buckets, when it is known. Shallower is safer
  // (fewer 429s); the provider's own depth starts a run faster.
  double burst_seconds = 0.5;
  double timeout_seconds = 120;     // per HTTP attempt
  int max_attempts = 6;             // per call, the first attempt included
  double backoff_seconds = 0.5;     // first retry's backoff bound (doubling, full jitter)
  double backoff_cap_seconds = 60;  // bound of any backoff
  // Once 8 attempts in a row fail as a provider down fails (no connection,
  // 5xx, timeouts, broken replies, 401/403/404), calls wait while one probe
  // at a time tries it; failing that long, its calls are given up (kDown).
  double give_up_after_seconds = 300;
  // An attempt still unanswered after hedge_after times the 90th percentile
  // of its kind's latency (and at least hedge_min_delay) gets a hedge copy;
  // the first reply wins. While no request waits, after the median (and
  // hedge_min_delay), within 5% of requests (see LlmClient). 0 = never hedge.
  double hedge_after = 1.5;
  double hedge_min_delay_seconds = 1;
  double input_price_per_million = 0;   // currency units per million prompt tokens
  double output_price_per_million = 0;  // per million completion tokens
  bool allow_insecure_http = false;     // permit http:// to a host that is not loopback
  nlohmann::json extra_body = nlohmann::json::object();  // merged into every request body

  double cost(int64_t prompt_tokens, int64_t completion_tokens) const {
    return (static_cast<double>(prompt_tokens) * input_price_per_million +
            static_cast<double>(completion_tokens) * output_price_per_million) /
           1e6;
  }
};

// Checks ranges and the URL rule: base_url (and each replica's) must be
// https://, or http:// to a loopback host (localhost, 127.0.0.0/8, ::1), or
// any http:// with allow_insecure_http. Errors name the offending field.
Status validate(const ProviderConfig& config);

// True when `url` is an http(s) URL whose host is a loopback address.
bool is_loopback_url(std::string_view url);

}  // namespace privqa
