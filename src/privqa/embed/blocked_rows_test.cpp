#include "privqa/embed/blocked_rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace privqa {
namespace {

std::vector<float> random_vectors(size_t count, size_t dims, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  std::vector<float> out(count * dims);
  for (float& v : out)
    v = uniform(gen);
  return out;
}

TEST(BlockedRows, DotsOverARangeMatchDirectProducts) {
  const size_t dims = 50, n = 900;  // three whole blocks and a partial one
  const auto members = random_vectors(n, dims, 1);
  const auto queries = random_vectors(6, dims, 2);  // one tile of 4, then 2 single queries
  const BlockedRows set(members, dims);
  ASSERT_EQ(set.size(), n);
  const size_t begin = 2 * BlockedRows::kBlockRows, count = n - begin;
  std::vector<float> out(6 * count);
  set.dots(queries, begin, count, out);
  for (size_t q = 0; q < 6; ++q) {
    for (size_t i = 0; i < count; ++i) {
      double expected = 0;
      for (size_t j = 0; j < dims; ++j)
        expected += static_cast<double>(queries[q * dims + j]) * members[(begin + i) * dims + j];
      EXPECT_NEAR(out[q * count + i], expected, 1e-4) << "query " << q << " member " << i;
    }
  }
}

TEST(BlockedRows, DotsDoNotDependOnTheBatch) {
  const size_t dims = 100, n = 300;
  const auto members = random_vectors(n, dims, 3);
  const auto queries = random_vectors(5, dims, 4);
  const BlockedRows set(members, dims);
  std::vector<float> batched(5 * n);
  set.dots(queries, 0, n, batched);
  for (size_t q = 0; q < 5; ++q) {
    std::vector<float> alone(n);
    set.dots(std::span<const float>(queries).subspan(q * dims, dims), 0, n, alone);
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(alone[i], batched[q * n + i]) << "query " << q << " member " << i;
  }
}

TEST(BlockedRows, OneMembersDistanceEqualsItsEntryInABatch) {
  const size_t dims = 100, n = 600;  // two whole blocks and a partial one
  const auto members = random_vectors(n, dims, 6);
  const auto queries = random_vectors(4, dims, 7);  // one tile of 4 queries
  const BlockedRows set(members, dims);
  std::vector<float> batched(4 * n);
  set.distances(queries, batched);
  for (size_t q = 0; q < 4; ++q) {
    const auto query = std::span<const float>(queries).subspan(q * dims, dims);
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(set.distance(query, i), batched[q * n + i]) << "query " << q << " member " << i;
  }
}

TEST(BlockedRows, DistanceOfAMemberToItselfIsNearZero) {
  const size_t dims = 100, n = 40;
  const auto members = random_vectors(n, dims, 5);
  const BlockedRows set(members, dims);
  std::vector<float> out(n);
  set.distances(std::span<const float>(members).subspan(7 * dims, dims), out);
  // sqrt of a cancellation: |x|^2 is about 130, float rounding about 1e-5.
  EXPECT_LT(out[7], 0.02f);
  for (size_t i = 0; i < n; ++i) {
    double expected = 0;
    for (size_t j = 0; j < dims; ++j) {
      const double diff = static_cast<double>(members[7 * dims + j]) - members[i * dims + j];
      expected += diff * diff;
    }
    EXPECT_NEAR(out[i], std::sqrt(expected), 0.02) << "member " << i;
  }
}

}  // namespace
}  // namespace privqa
