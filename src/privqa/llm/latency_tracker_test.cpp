#include "privqa/llm/latency_tracker.h"

#include <gtest/gtest.h>

namespace privqa {
namespace {

using Clock = LatencyTracker::Clock;
using std::chrono::milliseconds;

const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(1);

Clock::time_point at(double seconds) {
  return t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// A tracker that recomputes on every call, so each check sees the latest state.
LatencyTracker fresh_tracker(size_t window, size_t min_events) {
  return LatencyTracker(window, min_events, Clock::duration::zero());
}

void record(LatencyTracker& tracker, int64_t kind, double seconds) {
  const auto ticket = tracker.start(kind, t0);
  tracker.finish(ticket, at(seconds), true);
}

TEST(LatencyTracker, NoQuantileBeforeMinEvents) {
  LatencyTracker tracker = fresh_tracker(100, 10);
  for (int i = 0; i < 9; ++i)
    record(tracker, 7, 1.0);
  EXPECT_FALSE(tracker.quantile(7, 0.5, at(5)));
  record(tracker, 7, 1.0);
  EXPECT_DOUBLE_EQ(tracker.quantile(7, 0.5, at(5)).value(), 1.0);
  EXPECT_FALSE(tracker.quantile(8, 0.5, at(5)));  // kinds are separate
}

TEST(LatencyTracker, WithoutCensoringQuantilesAreNearestRank) {
  LatencyTracker tracker = fresh_tracker(100, 1);
  for (int i = 100; i >= 1; --i)  // 1..100 s in reverse order
    record(tracker, 0, i);
  // The empirical distribution: the q-quantile of 1..100 is ceil(100 q).
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.5, at(200)).value(), 50.0);
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.95, at(200)).value(), 95.0);
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.99, at(200)).value(), 99.0);
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.999, at(200)).value(), 100.0);
}

TEST(LatencyTracker, CensoredDurationsFollowKaplanMeier) {
  // Latencies 1, 2, 4, 5 and a request that failed after 3 s. By hand:
  // S(1) = 4/5, S(2) = 4/5 * 3/4 = 0.6, S(4) = 0.6 * 1/2 = 0.3, S(5) = 0.
  // The median is 4; the median of the latencies alone would be 2.
  LatencyTracker tracker = fresh_tracker(100, 1);
  for (double d : {1.0, 2.0, 4.0, 5.0})
    record(tracker, 0, d);
  const auto failed = tracker.start(0, t0);
  tracker.finish(failed, at(3), false);
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.5, at(10)).value(), 4.0);
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.3, at(10)).value(), 2.0);  // S(2) = 0.6 <= 0.7
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.7, at(10)).value(), 4.0);  // S(4) = 0.3 <= 0.3
}

TEST(LatencyTracker, RequestsInFlightKeepTheTailOpen) {
  // 30 requests sent at once; at 1 s the 10 fastest have answered. The other
  // 20 have run 1 s each: the p90 is not known yet, and is not 0.9-1 s.
  LatencyTracker tracker = fresh_tracker(100, 5);
  std::vector<LatencyTracker::Ticket> tickets;
  for (int i = 0; i < 30; ++i)
    tickets.push_back(tracker.start(1, t0));
  for (int i = 0; i < 10; ++i)
    tracker.finish(tickets[static_cast<size_t>(i)], at(0.1 * (i + 1)), true);
  EXPECT_FALSE(tracker.quantile(1, 0.9, at(1.0)));
  EXPECT_DOUBLE_EQ(tracker.quantile(1, 0.3, at(1.0)).value(), 0.9);  // S(0.9) = 21/30 = 0.7
  // 18 more answer at 2 s; two still run at 3 s: S(2) = 2/30 <= 0.1.
  for (int i = 10; i < 28; ++i)
    tracker.finish(tickets[static_cast<size_t>(i)], at(2.0), true);
  EXPECT_DOUBLE_EQ(tracker.quantile(1, 0.9, at(3.0)).value(), 2.0);
  EXPECT_FALSE(tracker.quantile(1, 0.99, at(3.0)));  // S never falls to 0.01
}

TEST(LatencyTracker, KeepsOnlyTheLastWindow) {
  LatencyTracker tracker = fresh_tracker(4, 1);
  const auto oldest = tracker.start(1, t0);
  for (double v : {20.0, 30.0, 40.0})
    record(tracker, 1, v);
  tracker.finish(oldest, at(10), true);
  EXPECT_DOUBLE_EQ(tracker.quantile(1, 0.99, at(100)).value(), 40.0);
  const auto pushed_out = tracker.start(1, t0);
  for (double v : {1.0, 2.0, 3.0, 4.0})  // replace all four
    record(tracker, 1, v);
  tracker.finish(pushed_out, at(50), true);  // no longer in the window: ignored
  EXPECT_DOUBLE_EQ(tracker.quantile(1, 0.99, at(100)).value(), 4.0);
  EXPECT_DOUBLE_EQ(tracker.quantile(1, 0.5, at(100)).value(), 2.0);
}

TEST(LatencyTracker, RecomputesAtMostOncePerRefresh) {
  LatencyTracker tracker(100, 1, milliseconds(10));
  record(tracker, 0, 1.0);
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.5, at(5)).value(), 1.0);
  for (int i = 0; i < 3; ++i)
    record(tracker, 0, 3.0);
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.5, at(5.005)).value(), 1.0);  // within 10 ms
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.5, at(5.02)).value(), 3.0);
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.25, at(5.021)).value(), 1.0);  // another q
}

TEST(LatencyTracker, AskingForAnotherQuantileKeepsTheFirstCached) {
  LatencyTracker tracker(100, 1, milliseconds(10));
  record(tracker, 0, 1.0);
  record(tracker, 0, 2.0);
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.5, at(5)).value(), 1.0);
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.9, at(5)).value(), 2.0);
  for (int i = 0; i < 3; ++i)
    record(tracker, 0, 3.0);
  // Within 10 ms both estimates stand, each for its own q.
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.5, at(5.005)).value(), 1.0);
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.9, at(5.006)).value(), 2.0);
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.5, at(5.02)).value(), 3.0);  // 1, 2, 3, 3, 3
  EXPECT_DOUBLE_EQ(tracker.quantile(0, 0.9, at(5.02)).value(), 3.0);
}

}  // namespace
}  // namespace privqa
