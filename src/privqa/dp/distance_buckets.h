// An exponential mechanism over a fixed set of members, sampled without an
// |members|-long table per (word, eps): Pr(i) ∝ exp(-eps min(d_i, cap) / 2),
// d_i the distance from a word x to member i (SanText: cap = infinity; TEM:
// cap = gamma, its truncation).
//
// The distances do not depend on eps, so they are kept per word, one byte
// per member: its bucket among kBuckets of equal width between the nearest
// and the farthest. A draw proposes a bucket by its largest possible weight
// times its size (the kBuckets bounds are computed afresh for each draw), a
// member of it uniformly, and accepts it with the member's weight over that
// bound, from the member's distance computed again by the caller (the same
// float as given here). An accepted draw follows the weights exactly; after
// kMaxProposals rejections (rare: a proposal is accepted with probability at
// least exp(-eps width / 2)) the draw is made from all members' weights,
// which keeps it exact.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>

#include "privqa/dp/block_pool.h"
#include "privqa/dp/rng.h"

namespace privqa {

class DistanceBuckets {
 public:
  static constexpr size_t kBuckets = 256;
  static constexpr double kNoCap = std::numeric_limits<double>::infinity();

  // `distances`: to each member, in member order; the bytes come from `pool`
  // (blocks of at least distances.size() bytes), which must outlive this.
  DistanceBuckets(std::span<const float> distances, BlockPool& pool);

  size_t members() const { return members_; }
  float nearest() const { return nearest_; }
  size_t memory_bytes() const { return sizeof(DistanceBuckets) + members_; }

  // A member drawn with Pr(i) ∝ exp(-eps min(d_i, cap) / 2). distance(i)
  // must return d_i, the float given to the constructor.
  size_t sample(double eps, double cap, const std::function<float(size_t)>& distance,
                Rng& rng) const;

 private:
  float nearest_ = 0;
  double width_ = 1;
  std::array<uint32_t, kBuckets + 1> start_;  // bucket k holds start_[k + 1] - start_[k] members
  BlockPool::Block bucket_;                   // per member
  size_t members_ = 0;
};

}  // namespace privqa
