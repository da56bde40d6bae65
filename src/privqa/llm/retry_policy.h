// What a failed attempt means and how long to wait before the next one.
// Retried: network errors and timeouts, 408, 409, 429, 5xx, and a 2xx body
// that does not decode (truncated or corrupted in transit). Not retried: other
// 4xx (the provider's message is surfaced), TLS failures, invalid requests,
// and quota/billing errors (402, or any status whose error code is
// "insufficient_quota"), which get their own kind so a caller can pause the
// provider instead of failing call after call.
#pragma once

#include <chrono>
#include <random>
#include <string_view>

#include "privqa/llm/http_engine.h"
#include "privqa/llm/openai_codec.h"

namespace privqa {

enum class FailureKind {
  kNone,
  kTransport,       // DNS, connect, reset, broken reply
  kTimeout,         // no response within the timeout (e.g. a stalled server)
  kTls,             // TLS handshake or certificate verification
  kInvalidRequest,  // malformed URL, oversized response
  kRateLimited,     // 429
  kServer,          // 408, 409, 5xx
  kClient,          // other 4xx
  kQuota,           // 402 or insufficient_quota: out of credit
  kDecode,          // 2xx with a body that is not a valid response
  kDown,            // the provider failed every attempt for give_up_after seconds
};
std::string_view failure_kind_name(FailureKind kind);
bool is_retryable(FailureKind kind);
// Whether an attempt failing this way says the provider as a whole is not
// working (unreachable, failing, rejecting the key or the model), rather
// than something about this request (400, 413, 422) or the rate (429).
bool says_provider_is_down(FailureKind kind, long status);

FailureKind classify_transport(TransportError error);
// For a non-2xx status with the decoded error body.
FailureKind classify_status(long status, const ProviderError& error);

// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential
// Backoff And Jitter", 2015): uniform in [0, min(cap, base * 2^(failures-1))].
std::chrono::milliseconds backoff_delay(int failures, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, std::mt19937_64& rng);

}  // namespace privqa
