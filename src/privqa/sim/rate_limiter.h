// Requests-per-minute and tokens-per-minute limits of one simulated model:
// two token buckets refilled continuously, each holding burst_seconds worth
// of its limit.
#pragma once

#include <chrono>

namespace privqa::sim {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // rpm, tpm: limits per minute (0 = unlimited); burst_seconds > 0.
  RateLimiter(double rpm, double tpm, double burst_seconds, Clock::time_point now);

  // Admits a request of `tokens` tokens at `now` and returns 0, or refuses it
  // (consuming nothing) and returns the seconds until it would be admitted.
  // A request larger than the token bucket is admitted once the bucket is full.
  double admit(double tokens, Clock::time_point now);

 private:
  struct Bucket {
    double per_second = 0;  // 0 = unlimited
    double capacity = 0;
    double level = 0;
  };
  void refill(Clock::time_point now);
  static double wait_for(const Bucket& bucket, double amount);

  Bucket requests_;
  Bucket tokens_;
  Clock::time_point last_;
};

}  // namespace privqa::sim
