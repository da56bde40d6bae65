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
  const auto queries = random_vectors(6, dims, 2);  // a tile of 4 queries, then one of 2
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

// The two smallest (distance, member) pairs of a row of distances(), by a
// plain scan: the reference nearest_two() must equal bit for bit.
BlockedRows::Nearest scan_two(std::span<const float> row) {
  size_t first = 0, second = 1;
  if (row[1] < row[0]) std::swap(first, second);
  for (size_t i = 2; i < row.size(); ++i) {
    if (row[i] < row[first]) {
      second = first;
      first = i;
    } else if (row[i] < row[second]) {
      second = i;
    }
  }
  return {static_cast<uint32_t>(first), static_cast<uint32_t>(second), row[first], row[second]};
}

void expect_nearest_two_matches_scan(const BlockedRows& set, std::span<const float> queries) {
  const size_t m = queries.size() / set.dims(), n = set.size();
  std::vector<float> distances(m * n);
  set.distances(queries, distances);
  std::vector<BlockedRows::Nearest> nearest(m);
  set.nearest_two(queries, nearest);
  for (size_t q = 0; q < m; ++q) {
    const auto expected = scan_two(std::span<const float>(distances).subspan(q * n, n));
    EXPECT_EQ(nearest[q].first, expected.first) << "query " << q;
    EXPECT_EQ(nearest[q].second, expected.second) << "query " << q;
    EXPECT_EQ(nearest[q].first_distance, expected.first_distance) << "query " << q;
    EXPECT_EQ(nearest[q].second_distance, expected.second_distance) << "query " << q;
  }
}

TEST(BlockedRows, NearestTwoEqualsAScanOfTheDistances) {
  const size_t dims = 100, n = 900;  // the last tile is partly padding
  const auto members = random_vectors(n, dims, 8);
  const BlockedRows set(members, dims);
  // Queries near members, so the nearest is close and the second is not far.
  for (size_t m : {1, 2, 3, 4, 5, 7, 11}) {
    auto queries = random_vectors(m, dims, 9 + static_cast<uint32_t>(m));
    for (size_t q = 0; q < m; ++q) {
      for (size_t j = 0; j < dims; ++j)
        queries[q * dims + j] = members[(q * 97 % n) * dims + j] + 0.05f * queries[q * dims + j];
    }
    SCOPED_TRACE(m);
    expect_nearest_two_matches_scan(set, queries);
  }
}

TEST(BlockedRows, NearestTwoPutsTheLowerOfEqualDistancesFirst) {
  // Members 5, 37 and 801 are one vector, so every query is equally far from
  // them; the same for 3, 35 and 600. 5 and 37 (3 and 35) share a position in
  // their tiles, 801 (600) does not.
  const size_t dims = 20, n = 850;
  auto members = random_vectors(n, dims, 10);
  for (size_t copy : {37, 801})
    std::copy_n(members.begin() + 5 * dims, dims, members.begin() + copy * dims);
  for (size_t copy : {35, 600})
    std::copy_n(members.begin() + 3 * dims, dims, members.begin() + copy * dims);
  const BlockedRows set(members, dims);
  std::vector<float> queries(members.begin() + 801 * dims, members.begin() + 802 * dims);
  queries.insert(queries.end(), members.begin() + 600 * dims, members.begin() + 601 * dims);
  std::vector<BlockedRows::Nearest> nearest(2);
  set.nearest_two(queries, nearest);
  EXPECT_EQ(nearest[0].first, 5u);
  EXPECT_EQ(nearest[0].second, 37u);
  EXPECT_EQ(nearest[0].first_distance, nearest[0].second_distance);
  EXPECT_EQ(nearest[1].first, 3u);
  EXPECT_EQ(nearest[1].second, 35u);
  expect_nearest_two_matches_scan(set, queries);
}

TEST(BlockedRows, NearestTwoNeverPicksThePadding) {
  // The blocks are padded with zero vectors; a query at the origin is closer
  // to them than to any member, all of which lie on the sphere of radius 3.
  const size_t dims = 10, n = 70;
  auto members = random_vectors(n, dims, 11);
  for (size_t i = 0; i < n; ++i) {
    double norm = 0;
    for (size_t j = 0; j < dims; ++j)
      norm += members[i * dims + j] * members[i * dims + j];
    for (size_t j = 0; j < dims; ++j)
      members[i * dims + j] *= static_cast<float>(3 / std::sqrt(norm));
  }
  const BlockedRows set(members, dims);
  std::vector<float> origin(dims, 0.0f);
  std::vector<BlockedRows::Nearest> nearest(1);
  set.nearest_two(origin, nearest);
  EXPECT_LT(nearest[0].first, n);
  EXPECT_LT(nearest[0].second, n);
  EXPECT_NEAR(nearest[0].first_distance, 3.0f, 1e-3);
  EXPECT_NEAR(nearest[0].second_distance, 3.0f, 1e-3);
}

TEST(BlockedRows, DistancesOfAPartialTileWriteOnlyItsMembers) {
  // 40 members: the second tile holds 8 and 24 padding rows. A sentinel
  // after the output must survive, as the rows of the other queries.
  const size_t dims = 16, n = 40;
  const auto members = random_vectors(n, dims, 12);
  const auto queries = random_vectors(3, dims, 13);
  const BlockedRows set(members, dims);
  std::vector<float> out(3 * n + 1, -1.0f);
  set.distances(queries, std::span<float>(out).first(3 * n));
  EXPECT_EQ(out[3 * n], -1.0f);
  for (size_t q = 0; q < 3; ++q) {
    for (size_t i = 0; i < n; ++i) {
      double expected = 0;
      for (size_t j = 0; j < dims; ++j) {
        const double diff = static_cast<double>(queries[q * dims + j]) - members[i * dims + j];
        expected += diff * diff;
      }
      EXPECT_NEAR(out[q * n + i], std::sqrt(expected), 1e-3) << "query " << q << " member " << i;
    }
  }
}

}  // namespace
}  // namespace privqa
