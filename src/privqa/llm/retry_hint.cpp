#include "privqa/llm/retry_hint.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>

#include "privqa/base/strings.h"

namespace privqa {
namespace {

// A non-negative decimal number at the start of `s`; advances `s` past it.
std::optional<double> take_number(std::string_view& s) {
  std::size_t n = 0;
  bool digits = false;
  bool dot = false;
  while (n < s.size() && ((s[n] >= '0' && s[n] <= '9') || (s[n] == '.' && !dot))) {
    if (s[n] == '.') {
      dot = true;
    } else {
      digits = true;
    }
    ++n;
  }
  if (!digits) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + n, value);
  if (ec != std::errc() || end != s.data() + n) return std::nullopt;
  s.remove_prefix(n);
  return value;
}

// Rounded up: a client that waits less than asked is refused again.
std::chrono::milliseconds ceil_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000.0)));
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  std::string_view rest = value;
  if (const auto seconds = take_number(rest); seconds && rest.empty()) return ceil_ms(*seconds);
  if (value.front() == '-') return std::nullopt;
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  const auto delay = std::chrono::system_clock::from_time_t(when) - now;
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::ceil<std::chrono::milliseconds>(delay));
}

std::optional<std::chrono::milliseconds> parse_reset_duration(std::string_view value) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  double seconds = 0;
  bool any = false;
  while (!value.empty()) {
    const auto number = take_number(value);
    if (!number) return std::nullopt;
    // Longer unit names first: "ms" must not read as "m".
    static constexpr std::pair<std::string_view, double> kUnits[] = {
        {"ms", 1e-3}, {"us", 1e-6}, {"\xC2\xB5s", 1e-6}, {"ns", 1e-9}, {"h", 3600},
        {"m", 60},    {"s", 1}};
    double unit = 0;
    if (value.empty() && !any) {
      unit = 1;  // a bare number: seconds
    } else {
      for (const auto& [name, scale] : kUnits) {
        if (value.starts_with(name)) {
          unit = scale;
          value.remove_prefix(name.size());
          break;
        }
      }
      if (unit == 0) return std::nullopt;
    }
    seconds += *number * unit;
    any = true;
  }
  return ceil_ms(seconds);
}

std::optional<std::chrono::milliseconds> retry_hint(const HttpResponse& response,
                                                    std::chrono::system_clock::time_point now) {
  // retry-after-ms (OpenAI) is the exact form of Retry-After.
  if (const std::string* ms = response.header("retry-after-ms")) {
    std::string_view rest = trim(*ms);
    if (auto value = take_number(rest); value && rest.empty()) {
      return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(*value)));
    }
  }
  if (const std::string* retry_after = response.header("retry-after")) {
    if (auto delay = parse_retry_after(*retry_after, now)) return delay;
  }
  std::optional<std::chrono::milliseconds> longest;
  for (const char* kind : {"requests", "tokens"}) {
    const std::string suffix(kind);
    const std::string* remaining = response.header("x-ratelimit-remaining-" + suffix);
    if (remaining != nullptr && trim(*remaining) != "0") continue;
    const std::string* reset = response.header("x-ratelimit-reset-" + suffix);
    if (reset == nullptr) continue;
    if (auto delay = parse_reset_duration(*reset); delay && (!longest || *delay > *longest)) {
      longest = delay;
    }
  }
  return longest;
}

}  // namespace privqa
