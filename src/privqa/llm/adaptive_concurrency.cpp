#include "privqa/llm/adaptive_concurrency.h"

#include <algorithm>
#include <cmath>

namespace privqa {

AdaptiveConcurrency::AdaptiveConcurrency(int floor, int ceiling, double decrease, double increase)
    : floor_(std::max(1, floor)),
      ceiling_(std::max(floor_, static_cast<double>(ceiling))),
      decrease_(decrease),
      increase_(increase),
      limit_(ceiling_) {}

int AdaptiveConcurrency::limit() const {
  return static_cast<int>(std::floor(limit_));
}

void AdaptiveConcurrency::on_success() {
  limit_ = std::min(ceiling_, limit_ + increase_ / limit_);
}

void AdaptiveConcurrency::on_rate_limited(Clock::time_point sent_at, Clock::time_point now) {
  if (sent_at < last_decrease_) return;  // already reacted to this overload
  limit_ = std::max(floor_, limit_ * decrease_);
  last_decrease_ = now;
}

}  // namespace privqa
