// A token bucket: a budget refilled continuously at `rate` per second up to
// `capacity`. Used per provider for requests per minute and tokens per
// minute. Taking may drive the level negative (a debt repaid by the refill),
// so a cost above the capacity is still admitted — once the bucket is full —
// and the long-run rate stays exact. Time is passed in, so it can be tested.
#pragma once

#include <chrono>

namespace privqa {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts full.
  TokenBucket(double rate_per_second, double capacity, Clock::time_point now);

  // How long from `now` until `cost` may be taken: zero when the level
  // covers min(cost, capacity).
  Clock::duration wait_time(double cost, Clock::time_point now);

  // Takes `cost` (the level may go below zero).
  void take(double cost, Clock::time_point now);

  // Returns `amount` to the bucket (negative: takes more), e.g. when the real
  // token count of a request differs from its estimate. Never above capacity.
  void adjust(double amount, Clock::time_point now);

  // From `now` on, refills at `rate_per_second` up to `capacity`; the level
  // keeps what it has (cut to the new capacity), so a raised rate brings no
  // burst of its own.
  void set_rate(double rate_per_second, double capacity, Clock::time_point now);

  double level(Clock::time_point now);
  double rate() const { return rate_; }
  double capacity() const { return capacity_; }

 private:
  void refill(Clock::time_point now);

  double rate_;
  double capacity_;
  double level_;
  Clock::time_point updated_;
};

}  // namespace privqa
