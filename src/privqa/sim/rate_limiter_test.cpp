#include "privqa/sim/rate_limiter.h"

#include <gtest/gtest.h>

namespace privqa::sim {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiter, AdmitsOneBurstThenRefillsAtTheRate) {
  const auto t0 = RateLimiter::Clock::time_point{};
  RateLimiter limiter(/*rpm=*/600, /*tpm=*/0, /*burst_seconds=*/1, t0);  // 10 per second
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(limiter.admit(5, t0), 0) << i;
  EXPECT_NEAR(limiter.admit(5, t0), 0.1, 1e-9);  // one request refills in 1/10 s
  EXPECT_NEAR(limiter.admit(5, t0 + milliseconds(50)), 0.05, 1e-9);
  EXPECT_EQ(limiter.admit(5, t0 + milliseconds(101)), 0);
  EXPECT_GT(limiter.admit(5, t0 + milliseconds(101)), 0);
  // Over the next 10.05 s, 10 per second: 100.5 requests' worth refills.
  int admitted = 0;
  for (int ms = 105; ms <= 10150; ms += 5)
    admitted += limiter.admit(1, t0 + milliseconds(ms)) == 0;
  EXPECT_EQ(admitted, 100);
}

TEST(RateLimiter, TokenLimitCountsTokensAndAdmitsOversizedRequestsWhenFull) {
  const auto t0 = RateLimiter::Clock::time_point{};
  RateLimiter limiter(/*rpm=*/0, /*tpm=*/6000, /*burst_seconds=*/1, t0);  // 100 tokens/s
  EXPECT_EQ(limiter.admit(60, t0), 0);
  EXPECT_NEAR(limiter.admit(60, t0), 0.2, 1e-9);   // 40 left, 20 more needed
  EXPECT_NEAR(limiter.admit(500, t0), 0.6, 1e-9);  // capped at the bucket: 100 - 40
  EXPECT_EQ(limiter.admit(500, t0 + milliseconds(600)), 0);
  EXPECT_GT(limiter.admit(1, t0 + milliseconds(600)), 0);  // the debt is paid back first
}

TEST(RateLimiter, UnlimitedAdmitsEverything) {
  const auto t0 = RateLimiter::Clock::time_point{};
  RateLimiter limiter(0, 0, 1, t0);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(limiter.admit(1e6, t0), 0);
}

}  // namespace
}  // namespace privqa::sim
