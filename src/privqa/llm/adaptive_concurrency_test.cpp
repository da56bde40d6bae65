#include "privqa/llm/adaptive_concurrency.h"

#include <gtest/gtest.h>

namespace privqa {
namespace {

using namespace std::chrono_literals;
using Clock = AdaptiveConcurrency::Clock;

TEST(AdaptiveConcurrency, StartsAtTheCeilingAndHalvesOn429) {
  AdaptiveConcurrency c(2, 64);
  EXPECT_EQ(c.limit(), 64);
  const Clock::time_point t0 = Clock::now();
  c.on_rate_limited(t0, t0 + 1ms);
  EXPECT_EQ(c.limit(), 32);
}

TEST(AdaptiveConcurrency, A429BurstFromOneWindowCountsOnce) {
  AdaptiveConcurrency c(1, 64);
  const Clock::time_point t0 = Clock::now();
  // 50 requests sent at t0 all come back 429 after t0 + 10ms.
  for (int i = 0; i < 50; ++i)
    c.on_rate_limited(t0, t0 + 10ms + i * 1ms);
  EXPECT_EQ(c.limit(), 32);
  // A request sent after that decrease is a new signal.
  c.on_rate_limited(t0 + 100ms, t0 + 200ms);
  EXPECT_EQ(c.limit(), 16);
}

TEST(AdaptiveConcurrency, NeverBelowTheFloor) {
  AdaptiveConcurrency c(3, 64);
  Clock::time_point t = Clock::now();
  for (int i = 0; i < 20; ++i, t += 1s)
    c.on_rate_limited(t, t);
  EXPECT_EQ(c.limit(), 3);
}

TEST(AdaptiveConcurrency, GrowsByAboutOnePerWindowOfSuccessesUpToTheCeiling) {
  AdaptiveConcurrency c(1, 40);
  const Clock::time_point t0 = Clock::now();
  c.on_rate_limited(t0, t0);  // 40 -> 20
  ASSERT_EQ(c.limit(), 20);
  c.on_success();
  EXPECT_DOUBLE_EQ(c.exact_limit(), 20.0 + 1.0 / 20.0);
  // Each success adds 1/limit, so a window of `limit` successes adds about one.
  AdaptiveConcurrency d(1, 40);
  d.on_rate_limited(t0, t0);
  for (int window = 0; window < 5; ++window) {
    const int size = d.limit();
    for (int i = 0; i < size; ++i)
      d.on_success();
  }
  EXPECT_GE(d.exact_limit(), 24.5);
  EXPECT_LE(d.exact_limit(), 25.0);
  for (int i = 0; i < 100'000; ++i)
    d.on_success();
  EXPECT_EQ(d.limit(), 40);
}

}  // namespace
}  // namespace privqa
