#include "privqa/dp/distance_buckets.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "dp/stat_testing.h"

namespace privqa {
namespace {

// Pr(i) ∝ exp(-eps min(d_i, cap) / 2), written out in double.
std::vector<double> exact(const std::vector<float>& d, double eps, double cap) {
  std::vector<double> p;
  double total = 0;
  for (float x : d)
    total += p.emplace_back(std::exp(-eps * std::min<double>(x, cap) / 2));
  for (double& x : p)
    x /= total;
  return p;
}

std::vector<size_t> draw(const DistanceBuckets& buckets, const std::vector<float>& d, double eps,
                         double cap, int draws, uint64_t seed) {
  Rng rng = Rng::from_seed(seed);
  std::vector<size_t> counts(d.size());
  for (int i = 0; i < draws; ++i)
    ++counts[buckets.sample(
        eps, cap, [&](size_t m) { return d[m]; }, rng)];
  return counts;
}

// Distances spread over many buckets, members of one bucket close together
// and far apart, one far outlier.
const std::vector<float> kDistances = {0.5f, 0.0f, 1.25f, 3.0f, 0.51f, 2.0f, 7.5f,
                                       1.0f, 4.0f, 0.75f, 2.5f, 30.0f, 0.52f};

// Each test: 50,000 draws, chi-square at the 1e-6 false-failure rate.
TEST(DistanceBuckets, DrawsFollowTheExponentialMechanism) {
  BlockPool pool(kDistances.size());
  const DistanceBuckets buckets(kDistances, pool);
  EXPECT_EQ(buckets.nearest(), 0.0f);
  for (double eps : {0.5, 2.0, 6.0}) {
    EXPECT_FITS(draw(buckets, kDistances, eps, DistanceBuckets::kNoCap, 50000, 7),
                exact(kDistances, eps, DistanceBuckets::kNoCap));
  }
}

TEST(DistanceBuckets, ACapGivesEveryMemberBeyondItTheCapsWeight) {
  // The cap inside a bucket, between buckets and below the nearest (then
  // every weight is the same: uniform).
  BlockPool pool(kDistances.size());
  const DistanceBuckets buckets(kDistances, pool);
  for (double cap : {1.1, 2.0, 0.0}) {
    EXPECT_FITS(draw(buckets, kDistances, 3.0, cap, 50000, 8), exact(kDistances, 3.0, cap));
  }
  const std::vector<float> far = {5.0f, 6.0f, 9.0f};  // a word of nothing near
  BlockPool far_pool(far.size());
  const DistanceBuckets far_buckets(far, far_pool);
  EXPECT_FITS(draw(far_buckets, far, 3.0, 1.0, 30000, 9), exact(far, 3.0, 1.0));
}

TEST(DistanceBuckets, OneMemberIsAlwaysDrawnEvenWithoutAFiniteCap) {
  const std::vector<float> one = {0.0f};
  BlockPool pool(1);
  const DistanceBuckets buckets(one, pool);
  Rng rng = Rng::from_seed(10);
  EXPECT_EQ(buckets.sample(
                2.0, -std::numeric_limits<double>::infinity(), [](size_t) { return 0.0f; }, rng),
            0u);
}

TEST(DistanceBuckets, AllDistancesEqualMakeOneBucketAndAUniformDraw) {
  const std::vector<float> same(7, 2.5f);
  BlockPool pool(same.size());
  const DistanceBuckets buckets(same, pool);
  EXPECT_FITS(draw(buckets, same, 4.0, DistanceBuckets::kNoCap, 30000, 11),
              std::vector<double>(7, 1.0 / 7));
}

}  // namespace
}  // namespace privqa
