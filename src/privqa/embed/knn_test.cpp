#include "privqa/embed/knn.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace privqa {
namespace {

// An independent reference: every distance in double precision, sorted by
// (distance, id).
std::vector<std::pair<double, uint32_t>> brute_force(const EmbeddingTable& table,
                                                     const std::vector<uint32_t>& ids,
                                                     std::span<const float> q, Metric metric) {
  std::vector<std::pair<double, uint32_t>> all;
  for (const uint32_t id : ids) {
    const auto x = table.row(id);
    double dd = 0, dot = 0, qq = 0, xx = 0;
    for (size_t j = 0; j < q.size(); ++j) {
      dd += (double(q[j]) - x[j]) * (double(q[j]) - x[j]);
      dot += double(q[j]) * x[j];
      qq += double(q[j]) * q[j];
      xx += double(x[j]) * x[j];
    }
    const double d = metric == Metric::kEuclidean ? std::sqrt(dd)
                     : (qq == 0 || xx == 0)       ? 1.0
                                                  : 1.0 - dot / std::sqrt(qq * xx);
    all.push_back({d, id});
  }
  std::sort(all.begin(), all.end());
  return all;
}

// A random table with clusters, exact duplicate rows (ties) and a zero row.
EmbeddingTable random_table(size_t n, size_t dims, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<std::string> words;
  std::vector<float> values;
  for (size_t i = 0; i < n; ++i) {
    words.push_back(fmt::format("w{}", i));
    for (size_t j = 0; j < dims; ++j) {
      if (i % 97 == 5 && i > 0) {  // duplicate of the previous row
        values.push_back(values[(i - 1) * dims + j]);
      } else if (i == 3) {
        values.push_back(0.0f);
      } else {
        values.push_back(normal(rng) + (i % 10 == 0 ? 4.0f : 0.0f));
      }
    }
  }
  auto table = EmbeddingTable::from_rows(std::move(words), std::move(values), dims);
  EXPECT_TRUE(table.ok());
  return std::move(*table);
}

void expect_matches_reference(const std::vector<Neighbor>& got,
                              const std::vector<std::pair<double, uint32_t>>& reference, size_t k) {
  ASSERT_EQ(got.size(), std::min(k, reference.size()));
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i].distance, reference[i].first, 1e-5 * (1 + reference[i].first)) << i;
    // Ids must agree unless the reference itself has a near-tie here.
    const bool near_tie =
        (i > 0 && reference[i].first - reference[i - 1].first < 1e-6) ||
        (i + 1 < reference.size() && reference[i + 1].first - reference[i].first < 1e-6);
    if (!near_tie) {
      EXPECT_EQ(got[i].id, reference[i].second) << i;
    }
  }
}

TEST(VectorSet, NearestMatchesBruteForceOverManyBlocks) {
  const EmbeddingTable table = random_table(5000, 24, 7);  // 3 blocks of 2048 rows
  const VectorSet all = VectorSet::all(table);
  std::vector<uint32_t> every(table.size());
  std::iota(every.begin(), every.end(), 0u);
  for (const Metric metric : {Metric::kEuclidean, Metric::kCosine}) {
    for (const uint32_t query_id : {0u, 3u, 6u, 101u, 4999u}) {
      const auto q = table.row(query_id);
      const auto reference = brute_force(table, every, q, metric);
      expect_matches_reference(all.nearest(q, 15, metric), reference, 15);
    }
  }
}

TEST(VectorSet, BatchEqualsSingleQueries) {
  const EmbeddingTable table = random_table(3000, 16, 11);
  const VectorSet all = VectorSet::all(table);
  std::vector<std::span<const float>> queries;
  for (uint32_t id = 0; id < 3000; id += 150)
    queries.push_back(table.row(id));
  for (const Metric metric : {Metric::kEuclidean, Metric::kCosine}) {
    const auto batch = all.nearest_batch(queries, 8, metric);
    ASSERT_EQ(batch.size(), queries.size());
    for (size_t i = 0; i < queries.size(); ++i) {
      const auto single = all.nearest(queries[i], 8, metric);
      ASSERT_EQ(batch[i].size(), single.size());
      for (size_t r = 0; r < single.size(); ++r) {
        EXPECT_EQ(batch[i][r].id, single[r].id);
        EXPECT_EQ(batch[i][r].distance, single[r].distance);
      }
    }
  }
  EXPECT_TRUE(all.nearest_batch({}, 5, Metric::kCosine).empty());
}

TEST(VectorSet, ExactDuplicatesTieByRowIdAndSelfIsAtZero) {
  const EmbeddingTable table = random_table(400, 8, 3);
  const VectorSet all = VectorSet::all(table);
  // Row 101 (101 % 97 == 4) is copied into row 102 (102 % 97 == 5).
  for (const Metric metric : {Metric::kEuclidean, Metric::kCosine}) {
    const auto got = all.nearest(table.row(102), 3, metric);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].id, 101u);
    EXPECT_EQ(got[1].id, 102u);
    EXPECT_NEAR(got[0].distance, 0.0f, 1e-6);
    EXPECT_NEAR(got[1].distance, 0.0f, 1e-6);
    EXPECT_GT(got[2].distance, 1e-3f);
  }
}

TEST(VectorSet, SubsetReturnsTableIdsOfMembersOnly) {
  const EmbeddingTable table = random_table(1000, 12, 5);
  std::vector<uint32_t> subset;
  for (uint32_t id = 999; id >= 1; id -= 3)
    subset.push_back(id);  // unsorted order
  const VectorSet set(table, subset);
  EXPECT_EQ(set.size(), subset.size());
  EXPECT_EQ(set.ids(), subset);
  const auto q = table.row(0);  // not a member
  for (const Metric metric : {Metric::kEuclidean, Metric::kCosine}) {
    const auto reference = brute_force(table, subset, q, metric);
    const auto got = set.nearest(q, 20, metric);
    expect_matches_reference(got, reference, 20);
    for (const Neighbor& n : got)
      EXPECT_EQ(n.id % 3, 0u) << n.id;  // 999 - 3m
  }
}

TEST(VectorSet, DistancesToEveryMemberInSetOrder) {
  const EmbeddingTable table = random_table(700, 10, 9);
  std::vector<uint32_t> subset = {5, 3, 600, 1, 42};
  const VectorSet set(table, subset);
  std::vector<float> out(set.size());
  for (const Metric metric : {Metric::kEuclidean, Metric::kCosine}) {
    set.distances(table.row(42), metric, out);
    const auto reference = brute_force(table, subset, table.row(42), metric);
    for (size_t i = 0; i < subset.size(); ++i) {
      const auto it = std::find_if(reference.begin(), reference.end(),
                                   [&](const auto& r) { return r.second == subset[i]; });
      EXPECT_NEAR(out[i], it->first, 1e-5 * (1 + it->first)) << i;
    }
    // The query itself: exactly 0 by differences; cosine within rounding, never negative.
    if (metric == Metric::kEuclidean) {
      EXPECT_EQ(out[4], 0.0f);
    } else {
      EXPECT_GE(out[4], 0.0f);
      EXPECT_LT(out[4], 1e-6f);
    }
  }
  set.distances(table.row(3), Metric::kCosine, out);  // the zero row: orthogonal to all
  for (const float d : out)
    EXPECT_EQ(d, 1.0f);
}

TEST(VectorSet, KBeyondSizeAndContractViolations) {
  const EmbeddingTable table = random_table(10, 4, 1);
  const VectorSet set(table, {1, 2, 3});
  EXPECT_EQ(set.nearest(table.row(0), 10, Metric::kEuclidean).size(), 3u);
  EXPECT_TRUE(set.nearest(table.row(0), 0, Metric::kEuclidean).empty());
  const VectorSet empty(table, {});
  EXPECT_TRUE(empty.nearest(table.row(0), 5, Metric::kCosine).empty());
  const std::vector<float> wrong_dims(5, 1.0f);
  EXPECT_THROW(set.nearest(wrong_dims, 1, Metric::kCosine), std::invalid_argument);
  std::vector<float> out(2);
  EXPECT_THROW(set.distances(table.row(0), Metric::kCosine, out), std::invalid_argument);
  EXPECT_THROW(VectorSet(table, {10}), std::out_of_range);
}

}  // namespace
}  // namespace privqa
