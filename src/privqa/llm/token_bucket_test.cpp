#include "privqa/llm/token_bucket.h"

#include <gtest/gtest.h>

namespace privqa {
namespace {

using namespace std::chrono_literals;
using Clock = TokenBucket::Clock;

TEST(TokenBucket, StartsFullAndRefillsAtItsRate) {
  const Clock::time_point t0{};
  TokenBucket bucket(10.0, 10.0, t0);  // 600 per minute, one second of burst
  EXPECT_EQ(bucket.wait_time(10, t0), Clock::duration::zero());
  bucket.take(10, t0);
  // Empty: one more needs 1/10 s; five more need half a second.
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(bucket.wait_time(1, t0)), 100ms);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(bucket.wait_time(5, t0)), 500ms);
  EXPECT_NEAR(bucket.level(t0 + 300ms), 3.0, 1e-9);
  EXPECT_EQ(bucket.wait_time(2.9, t0 + 300ms), Clock::duration::zero());
  EXPECT_GT(bucket.wait_time(3.1, t0 + 300ms), Clock::duration::zero());
  // Never above capacity, however long it idles.
  EXPECT_DOUBLE_EQ(bucket.level(t0 + 1h), 10.0);
}

TEST(TokenBucket, AdmitsACostAboveCapacityOnceFullAndRepaysTheDebt) {
  const Clock::time_point t0{};
  TokenBucket bucket(100.0, 100.0, t0);
  bucket.take(50, t0);
  // 250 > capacity: admitted when the bucket is full (after 0.5 s), then 150 in debt.
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(bucket.wait_time(250, t0)),
            500ms);
  const Clock::time_point t1 = t0 + 500ms;
  EXPECT_EQ(bucket.wait_time(250, t1), Clock::duration::zero());
  bucket.take(250, t1);
  EXPECT_DOUBLE_EQ(bucket.level(t1), -150.0);
  // The debt delays the next request: one token needs 1.51 s.
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(bucket.wait_time(1, t1)), 1510ms);
}

TEST(TokenBucket, ANewRateCountsFromItsChangeAndKeepsTheLevel) {
  const Clock::time_point t0{};
  TokenBucket bucket(10.0, 10.0, t0);
  bucket.take(10, t0);
  // 0.5 s at 10/s refills 5; then a quarter of the rate (a worker's share of
  // four): 0.4 s at 2.5/s adds one more, and the capacity is 2.5.
  bucket.set_rate(2.5, 2.5, t0 + 500ms);
  EXPECT_NEAR(bucket.level(t0 + 500ms), 2.5, 1e-9);  // cut to the new capacity
  bucket.take(2.5, t0 + 500ms);
  EXPECT_NEAR(bucket.level(t0 + 900ms), 1.0, 1e-9);
  // Raised again: the level carries over, no burst comes with the change.
  bucket.set_rate(10.0, 10.0, t0 + 900ms);
  EXPECT_NEAR(bucket.level(t0 + 900ms), 1.0, 1e-9);
  EXPECT_NEAR(bucket.level(t0 + 1000ms), 2.0, 1e-9);
}

TEST(TokenBucket, AdjustCorrectsAnEstimateWithoutExceedingCapacity) {
  const Clock::time_point t0{};
  TokenBucket bucket(1.0, 100.0, t0);
  bucket.take(80, t0);         // estimated 80 tokens
  bucket.adjust(80 - 30, t0);  // the response reported 30
  EXPECT_DOUBLE_EQ(bucket.level(t0), 70.0);
  bucket.adjust(-100, t0);  // it used 100 more than estimated
  EXPECT_DOUBLE_EQ(bucket.level(t0), -30.0);
  bucket.adjust(1000, t0);
  EXPECT_DOUBLE_EQ(bucket.level(t0), 100.0);
}

TEST(TokenBucket, LongRunRateEqualsTheConfiguredRate) {
  // Taking whenever allowed for 60 simulated seconds at 7 per second admits
  // the initial burst (7) plus 7 per second, to within one request.
  const Clock::time_point t0{};
  TokenBucket bucket(7.0, 7.0, t0);
  Clock::time_point now = t0;
  int taken = 0;
  while (now < t0 + 60s) {
    const auto wait = bucket.wait_time(1, now);
    if (wait > Clock::duration::zero()) {
      now += wait;
      continue;
    }
    bucket.take(1, now);
    ++taken;
  }
  EXPECT_NEAR(taken, 7 + 7 * 60, 1);
}

}  // namespace
}  // namespace privqa
