#include "privqa/dp/distance_buckets.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <vector>

#include "privqa/dp/exponential_mechanism.h"

namespace privqa {
namespace {

constexpr size_t kBuckets = DistanceBuckets::kBuckets;
static_assert(kBuckets <= 256, "a bucket index is one byte");
static_assert(kBuckets % 8 == 0, "the bounds are computed eight at a time");
// A bucket's lower edge is lowered by this share of its width, more than the
// float rounding of the bucket index can move a member (about 1e-4 of a
// width), so every member's weight is at most its bucket's bound.
constexpr double kEdgeSlack = 1.0 / 1024;
constexpr int kMaxProposals = 64;

// The position of the j-th (from 0) entry equal to k; there is one. Chunks
// are counted first, so only one chunk is walked.
size_t nth_in_bucket(std::span<const uint8_t> bucket, uint8_t k, size_t j) {
  constexpr size_t kChunk = 64;
  size_t begin = 0;
  for (; begin + kChunk <= bucket.size(); begin += kChunk) {
    // Byte-wide, so that the count compiles to vector compares.
    uint8_t count = 0;
    for (size_t i = begin; i < begin + kChunk; ++i)
      count += bucket[i] == k;
    if (j < count) break;
    j -= count;
  }
  for (size_t i = begin;; ++i) {
    if (bucket[i] == k && j-- == 0) return i;
  }
}

}  // namespace

DistanceBuckets::DistanceBuckets(std::span<const float> distances, BlockPool& pool)
    : bucket_(pool.allocate()), members_(distances.size()) {
  float low = distances.empty() ? 0.0f : distances[0], high = low;
  for (float d : distances) {  // plain loops: vectorized
    low = std::min(low, d);
    high = std::max(high, d);
  }
  nearest_ = low;
  width_ = (static_cast<double>(high) - low) / kBuckets;
  // No spread (or one too small for a float scale): a single bucket.
  if (!(1.0 / width_ < FLT_MAX)) width_ = 1.0;
  const auto scale = static_cast<float>(1.0 / width_);
  // Bucket sizes; four histograms, so that runs of one bucket do not wait on
  // each other's increments. The bucket bytes are indexed through a local
  // span: a byte store may alias the member pointer, so indexing through it
  // reloads the pointer after each store.
  const std::span<uint8_t> bucket(bucket_.get(), members_);
  for (size_t i = 0; i < members_; ++i) {
    const float t = (distances[i] - nearest_) * scale;
    bucket[i] = t < kBuckets - 1 ? static_cast<uint8_t>(t) : kBuckets - 1;
  }
  uint32_t counts[4][kBuckets] = {};
  size_t c = 0;
  for (; c + 4 <= members_; c += 4) {
    ++counts[0][bucket[c]];
    ++counts[1][bucket[c + 1]];
    ++counts[2][bucket[c + 2]];
    ++counts[3][bucket[c + 3]];
  }
  for (; c < members_; ++c)
    ++counts[0][bucket[c]];
  start_[0] = 0;
  for (size_t k = 0; k < kBuckets; ++k)
    start_[k + 1] = start_[k] + counts[0][k] + counts[1][k] + counts[2][k] + counts[3][k];
}

size_t DistanceBuckets::sample(double eps, double cap, const std::function<float(size_t)>& distance,
                               Rng& rng) const {
  if (members_ == 1) return 0;  // also when cap is -infinity (TEM with a one-word V)
  // Weights relative to the largest, exp(-eps (min(d, cap) - smallest) / 2).
  const double smallest = std::min(static_cast<double>(nearest_), cap);
  auto edge = [&](size_t k) { return nearest_ + (static_cast<double>(k) - kEdgeSlack) * width_; };
  // Bucket k's bound, the weight of a member at its (lowered) lower edge:
  // exp(-eps (min(edge(k), cap) - smallest) / 2) = max(b_0 r^k, floor). The
  // powers are products, computed afresh for each draw: 256 multiplications
  // cost less than keeping a table per (word, eps), and differ from exp() by
  // a few hundred roundings (1e-13 relative) at most.
  const double r = std::exp(-eps * width_ / 2);
  const double floor = std::exp(-eps * (cap - smallest) / 2);  // 0 without a cap
  std::array<double, kBuckets> mass;
  // Eight powers at a time: eight independent products instead of a chain.
  std::array<double, 8> lane;
  lane[0] = std::exp(-eps * (edge(0) - smallest) / 2);
  for (size_t j = 1; j < lane.size(); ++j)
    lane[j] = lane[j - 1] * r;
  const double r2 = r * r;
  const double step = r2 * r2 * r2 * r2;  // r^8
  for (size_t k = 0; k < kBuckets; k += lane.size()) {
    for (size_t j = 0; j < lane.size(); ++j) {
      mass[k + j] = (start_[k + j + 1] - start_[k + j]) * std::max(lane[j], floor);
      lane[j] *= step;
    }
  }
  double total = 0;
  for (double m : mass)
    total += m;
  const std::span<const uint8_t> bucket(bucket_.get(), members_);
  for (int attempt = 0; attempt < kMaxProposals; ++attempt) {
    double u = rng.uniform() * total;
    size_t k = 0;
    while (k + 1 < kBuckets && (mass[k] == 0 || u >= mass[k])) {
      u -= mass[k];
      ++k;
    }
    // Rounding can carry u past the last non-empty bucket: step back to it.
    while (mass[k] == 0)
      --k;
    const size_t i =
        nth_in_bucket(bucket, static_cast<uint8_t>(k), rng.below(start_[k + 1] - start_[k]));
    // Weight over the bound: exp(-eps (min(d, cap) - min(edge, cap)) / 2) <= 1.
    const double excess =
        std::max(0.0, std::min(static_cast<double>(distance(i)), cap) - std::min(edge(k), cap));
    if (rng.uniform() < std::exp(-eps * excess / 2)) return i;
  }
  // Members grouped by bucket, in increasing order within a bucket.
  std::array<uint32_t, kBuckets> next;
  std::copy(start_.begin(), start_.end() - 1, next.begin());
  std::vector<uint32_t> order(members_);
  for (size_t i = 0; i < members_; ++i)
    order[next[bucket[i]]++] = static_cast<uint32_t>(i);
  std::vector<double> weights(members_);
  for (size_t i = 0; i < members_; ++i) {
    const double t = std::min(static_cast<double>(distance(order[i])), cap);
    weights[i] = std::exp(-eps * (t - smallest) / 2);
  }
  return order[sample_weighted(weights, rng)];
}

}  // namespace privqa
