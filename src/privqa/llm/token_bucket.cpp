#include "privqa/llm/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace privqa {

TokenBucket::TokenBucket(double rate_per_second, double capacity, Clock::time_point now)
    : rate_(rate_per_second), capacity_(capacity), level_(capacity), updated_(now) {}

void TokenBucket::refill(Clock::time_point now) {
  if (now <= updated_) return;
  const double seconds = std::chrono::duration<double>(now - updated_).count();
  level_ = std::min(capacity_, level_ + seconds * rate_);
  updated_ = now;
}

TokenBucket::Clock::duration TokenBucket::wait_time(double cost, Clock::time_point now) {
  refill(now);
  const double needed = std::min(cost, capacity_);
  if (level_ >= needed) return Clock::duration::zero();
  const double seconds = (needed - level_) / rate_;
  // Round up so that waking after this long always finds enough.
  return std::chrono::ceil<Clock::duration>(std::chrono::duration<double>(seconds));
}

void TokenBucket::take(double cost, Clock::time_point now) {
  refill(now);
  level_ -= cost;
}

void TokenBucket::adjust(double amount, Clock::time_point now) {
  refill(now);
  level_ = std::min(capacity_, level_ + amount);
}

void TokenBucket::set_rate(double rate_per_second, double capacity, Clock::time_point now) {
  refill(now);
  rate_ = rate_per_second;
  capacity_ = capacity;
  level_ = std::min(level_, capacity_);
}

double TokenBucket::level(Clock::time_point now) {
  refill(now);
  return level_;
}

}  // namespace privqa
