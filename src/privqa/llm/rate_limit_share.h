// The share of rate-limited (429) replies among a provider's recent replies.
//
// A client treats an isolated 429 as a transient refusal: only that request
// waits and retries. When 429s make up more than a small share of the recent
// replies, the client evidently sends faster than the provider's real limit
// (its rpm is set too high, or it has none), and 429s then also pause the
// provider and cut its concurrency (see LlmClient).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace privqa {

class RateLimitShare {
 public:
  explicit RateLimitShare(size_t window = 64);

  void record(bool rate_limited);
  // 429s among the last `window` replies, divided by `window` (so a few
  // early 429s do not look like a large share).
  double share() const;

 private:
  std::vector<uint8_t> ring_;
  size_t next_ = 0;
  size_t limited_ = 0;
};

}  // namespace privqa
