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

TEST(AdaptiveConcurrency, BelowTheLevelBeforeACutEachSuccessAddsOne) {
  AdaptiveConcurrency c(1, 100);
  const Clock::time_point t0 = Clock::now();
  c.on_rate_limited(t0, t0);  // 100 -> 50; the level before: 100
  ASSERT_EQ(c.limit(), 50);
  c.on_success();
  EXPECT_DOUBLE_EQ(c.exact_limit(), 51.0);
  // One window of successes (the 50 requests in flight) undoes the cut.
  for (int i = 1; i < 50; ++i)
    c.on_success();
  EXPECT_DOUBLE_EQ(c.exact_limit(), 100.0);
}

TEST(AdaptiveConcurrency, FromTheLevelBeforeTheLastCutAWindowOfSuccessesAddsAboutOne) {
  AdaptiveConcurrency c(1, 100);
  const Clock::time_point t0 = Clock::now();
  c.on_rate_limited(t0, t0);  // 100 -> 50
  for (int i = 0; i < 10; ++i)
    c.on_success();                     // 60
  c.on_rate_limited(t0 + 1s, t0 + 1s);  // 60 -> 30; the level before: 60
  for (int i = 0; i < 30; ++i)
    c.on_success();
  ASSERT_DOUBLE_EQ(c.exact_limit(), 60.0);
  c.on_success();
  EXPECT_DOUBLE_EQ(c.exact_limit(), 60.0 + 1.0 / 60.0);
  // Each success adds 1/limit: five windows of `limit` successes add about five.
  for (int window = 0; window < 5; ++window) {
    const int size = c.limit();
    for (int i = 0; i < size; ++i)
      c.on_success();
  }
  EXPECT_GE(c.exact_limit(), 64.5);
  EXPECT_LE(c.exact_limit(), 65.1);
  for (int i = 0; i < 100'000; ++i)
    c.on_success();
  EXPECT_EQ(c.limit(), 100);
}

}  // namespace
}  // namespace privqa
