// How long a server asks a client to wait before retrying: Retry-After
// (delay-seconds or an HTTP-date, RFC 9110 §10.2.3) and OpenAI's
// x-ratelimit-reset-requests / x-ratelimit-reset-tokens (Go-style durations
// such as "1s", "6m0s", "250ms").
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "privqa/llm/http_engine.h"

namespace privqa {

// Retry-After as a delay from `now`: "120" or "1.5" seconds, or an HTTP-date
// (a date in the past gives zero). nullopt when unparseable.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// A Go-style duration: one or more <number><unit> with units h, m, s, ms,
// us/µs, ns ("1h2m3.5s"); a bare number means seconds. nullopt when
// unparseable or negative.
std::optional<std::chrono::milliseconds> parse_reset_duration(std::string_view value);

// The wait a rate-limited response asks for: retry-after-ms (milliseconds,
// as OpenAI sends it) or Retry-After when present;
// otherwise the longest x-ratelimit-reset-* whose matching
// x-ratelimit-remaining-* is "0" (or absent). nullopt when none is usable.
std::optional<std::chrono::milliseconds> retry_hint(const HttpResponse& response,
                                                    std::chrono::system_clock::time_point now);

}  // namespace privqa
