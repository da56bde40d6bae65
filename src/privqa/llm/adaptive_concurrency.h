// Adaptive concurrency (AIMD with fast recovery, as in TCP congestion
// control): the number of requests a provider may have in flight is
// multiplied by `decrease` on a 429, within [floor, ceiling]. Below the
// level it had before its last decrease it grows by one per success, so a
// window of successes doubles it and a cut by an overload that has passed
// (a run's opening burst) is undone within a few rounds of replies. From
// that level on it grows by `increase` per window of successes (limit +=
// increase / limit per success), probing slowly where the overload came. A
// burst of 429s from requests that were all sent before the last decrease
// counts as one signal, so one overload does not collapse the limit to the
// floor.
#pragma once

#include <chrono>

namespace privqa {

class AdaptiveConcurrency {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts at the ceiling.
  AdaptiveConcurrency(int floor, int ceiling, double decrease = 0.5, double increase = 1.0);

  // Requests allowed in flight now.
  int limit() const;
  double exact_limit() const { return limit_; }

  void on_success();
  // A 429 for a request sent at `sent_at`, observed at `now`.
  void on_rate_limited(Clock::time_point sent_at, Clock::time_point now);

 private:
  double floor_;
  double ceiling_;
  double decrease_;
  double increase_;
  double limit_;
  double recovery_level_;  // the limit before the last decrease
  Clock::time_point last_decrease_{};
};

}  // namespace privqa
