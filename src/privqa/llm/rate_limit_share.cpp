#include "privqa/llm/rate_limit_share.h"

namespace privqa {

RateLimitShare::RateLimitShare(size_t window) : ring_(window == 0 ? 1 : window, 0) {}

void RateLimitShare::record(bool rate_limited) {
  limited_ -= ring_[next_];
  ring_[next_] = rate_limited ? 1 : 0;
  limited_ += ring_[next_];
  next_ = (next_ + 1) % ring_.size();
}

double RateLimitShare::share() const {
  return static_cast<double>(limited_) / static_cast<double>(ring_.size());
}

}  // namespace privqa
