#include "privqa/llm/adaptive_concurrency.h"

#include <algorithm>
#include <cmath>

namespace privqa {

AdaptiveConcurrency::AdaptiveConcurrency(int floor, int ceiling, double decrease, double increase)
    : floor_(std::max(1, floor)),
      ceiling_(std::max(floor_, static_cast<double>(ceiling))),
      decrease_(decrease),
      increase_(increase),
      limit_(ceiling_),
      recovery_level_(ceiling_) {}

int AdaptiveConcurrency::limit() const {
  return static_cast<int>(std::floor(limit_));
}

void AdaptiveConcurrency::on_success() {
  const double step = limit_ < recovery_level_ ? 1.0 : increase_ / limit_;
  limit_ = std::min(ceiling_, limit_ + step);
}

void AdaptiveConcurrency::on_rate_limited(Clock::time_point sent_at, Clock::time_point now) {
  if (sent_at < last_decrease_) return;  // already reacted to this overload
  recovery_level_ = limit_;
  limit_ = std::max(floor_, limit_ * decrease_);
  last_decrease_ = now;
}

}  // namespace privqa
