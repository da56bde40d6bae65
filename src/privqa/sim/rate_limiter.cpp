#include "privqa/sim/rate_limiter.h"

#include <algorithm>

namespace privqa::sim {

RateLimiter::RateLimiter(double rpm, double tpm, double burst_seconds, Clock::time_point now)
    : last_(now) {
  for (auto [bucket, per_minute] : {std::pair{&requests_, rpm}, std::pair{&tokens_, tpm}}) {
    bucket->per_second = per_minute / 60.0;
    bucket->capacity = std::max(1.0, bucket->per_second * burst_seconds);
    bucket->level = bucket->capacity;
  }
}

void RateLimiter::refill(Clock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = std::max(last_, now);
  if (elapsed <= 0) return;
  for (Bucket* bucket : {&requests_, &tokens_}) {
    bucket->level = std::min(bucket->capacity, bucket->level + elapsed * bucket->per_second);
  }
}

double RateLimiter::wait_for(const Bucket& bucket, double amount) {
  if (bucket.per_second == 0) return 0;
  const double needed = std::min(amount, bucket.capacity);
  return bucket.level >= needed ? 0 : (needed - bucket.level) / bucket.per_second;
}

double RateLimiter::admit(double tokens, Clock::time_point now) {
  refill(now);
  const double wait = std::max(wait_for(requests_, 1.0), wait_for(tokens_, tokens));
  if (wait > 0) return wait;
  if (requests_.per_second > 0) requests_.level -= 1.0;
  if (tokens_.per_second > 0) tokens_.level -= tokens;
  return 0;
}

}  // namespace privqa::sim
