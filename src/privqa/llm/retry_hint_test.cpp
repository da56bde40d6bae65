#include "privqa/llm/retry_hint.h"

#include <gtest/gtest.h>

namespace privqa {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// RFC 9110's example date, Sun, 06 Nov 1994 08:49:37 GMT (`date -u -d @784111777`).
const auto kNow = std::chrono::system_clock::from_time_t(784111777);

TEST(ParseRetryAfter, DelaySeconds) {
  EXPECT_EQ(parse_retry_after("120", kNow), milliseconds(120'000));
  EXPECT_EQ(parse_retry_after(" 0 ", kNow), milliseconds(0));
  EXPECT_EQ(parse_retry_after("1.5", kNow), milliseconds(1'500));
}

TEST(ParseRetryAfter, HttpDateInEachFormatRfc9110Accepts) {
  // One minute after kNow, as IMF-fixdate, obsolete RFC 850 and asctime.
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", kNow), milliseconds(60'000));
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", kNow), milliseconds(60'000));
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:50:37 1994", kNow), milliseconds(60'000));
  // A date already past means "now".
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", kNow), milliseconds(0));
}

TEST(ParseRetryAfter, RejectsGarbage) {
  EXPECT_EQ(parse_retry_after("", kNow), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", kNow), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", kNow), std::nullopt);
}

TEST(ParseResetDuration, GoStyleDurations) {
  EXPECT_EQ(parse_reset_duration("1s"), milliseconds(1'000));
  EXPECT_EQ(parse_reset_duration("6m0s"), milliseconds(360'000));
  EXPECT_EQ(parse_reset_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_reset_duration("1h2m3.5s"), milliseconds(3'723'500));
  EXPECT_EQ(parse_reset_duration("0.5s"), milliseconds(500));
  EXPECT_EQ(parse_reset_duration("1500us"), milliseconds(2));   // rounded up: never early
  EXPECT_EQ(parse_reset_duration("20"), milliseconds(20'000));  // bare number: seconds
  EXPECT_EQ(parse_reset_duration(""), std::nullopt);
  EXPECT_EQ(parse_reset_duration("5x"), std::nullopt);
  EXPECT_EQ(parse_reset_duration("s"), std::nullopt);
  EXPECT_EQ(parse_reset_duration("1s5"), std::nullopt);
  EXPECT_EQ(parse_reset_duration("-1s"), std::nullopt);
}

HttpResponse response_with(std::vector<std::pair<std::string, std::string>> headers) {
  HttpResponse r;
  r.status = 429;
  r.headers = std::move(headers);
  return r;
}

TEST(RetryHint, PrefersRetryAfter) {
  EXPECT_EQ(
      retry_hint(response_with({{"x-ratelimit-reset-requests", "9s"}, {"retry-after", "2"}}), kNow),
      milliseconds(2'000));
}

TEST(RetryHint, PrefersTheExactRetryAfterMs) {
  EXPECT_EQ(retry_hint(response_with({{"retry-after", "1"}, {"retry-after-ms", "50"}}), kNow),
            milliseconds(50));
  EXPECT_EQ(retry_hint(response_with({{"retry-after-ms", " 12.2 "}}), kNow), milliseconds(13));
  // Unparseable: the next header applies.
  EXPECT_EQ(retry_hint(response_with({{"retry-after-ms", "soon"}, {"retry-after", "2"}}), kNow),
            milliseconds(2'000));
}

TEST(RetryHint, UsesTheResetOfTheExhaustedLimit) {
  // Requests exhausted, tokens not: the token reset (6 minutes) does not apply.
  EXPECT_EQ(retry_hint(response_with({{"x-ratelimit-remaining-requests", "0"},
                                      {"x-ratelimit-reset-requests", "1s"},
                                      {"x-ratelimit-remaining-tokens", "5000"},
                                      {"x-ratelimit-reset-tokens", "6m0s"}}),
                       kNow),
            milliseconds(1'000));
  // Without remaining-* headers, the longest reset applies.
  EXPECT_EQ(retry_hint(response_with({{"x-ratelimit-reset-requests", "1s"},
                                      {"x-ratelimit-reset-tokens", "250ms"}}),
                       kNow),
            milliseconds(1'000));
  EXPECT_EQ(retry_hint(response_with({}), kNow), std::nullopt);
  EXPECT_EQ(retry_hint(response_with({{"retry-after", "never"}}), kNow), std::nullopt);
}

}  // namespace
}  // namespace privqa
