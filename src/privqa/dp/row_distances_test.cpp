#include "privqa/dp/row_distances.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

namespace privqa {
namespace {

// A table of random vectors; sizes that leave partial blocks and tiles.
EmbeddingTable random_table(size_t rows, size_t dims, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(0.0f, 1.5f);
  std::vector<std::string> words;
  std::vector<float> values(rows * dims);
  for (size_t i = 0; i < rows; ++i)
    words.push_back(fmt::format("w{}", i));
  for (float& v : values)
    v = normal(gen);
  auto table = EmbeddingTable::from_rows(words, values, dims);
  EXPECT_TRUE(table.ok());
  return std::move(*table);
}

// The distance written out directly, in double.
double direct(std::span<const float> a, std::span<const float> b) {
  double sum = 0;
  for (size_t j = 0; j < a.size(); ++j) {
    const double diff = static_cast<double>(a[j]) - b[j];
    sum += diff * diff;
  }
  return std::sqrt(sum);
}

TEST(RowDistances, BatchedDistancesMatchDirectOnes) {
  const EmbeddingTable table = random_table(700, 37, 1);
  std::vector<uint32_t> members;
  for (uint32_t r = 3; r < 700; r += 2)  // 349 members: one whole block, one partial
    members.push_back(r);
  const RowDistances set(table, members);
  const size_t m = 11;  // two whole tiles and a partial one
  std::vector<float> queries;
  for (size_t q = 0; q < m; ++q) {
    const auto row = table.row(static_cast<uint32_t>(q * 50));
    queries.insert(queries.end(), row.begin(), row.end());
  }
  std::vector<float> out(m * set.size(), -1.0f);
  set.many(queries, out);
  for (size_t q = 0; q < m; ++q) {
    const auto x = table.row(static_cast<uint32_t>(q * 50));
    for (size_t i = 0; i < set.size(); ++i) {
      const double expected = direct(x, table.row(members[i]));
      // |x|^2 + |y|^2 - 2 x.y in float: error about 1e-6 of the squared norms.
      EXPECT_NEAR(out[q * set.size() + i], expected, 1e-3 + 1e-5 * expected)
          << "query " << q << " member " << i;
    }
  }
}

TEST(RowDistances, ResultDoesNotDependOnTheBatch) {
  const EmbeddingTable table = random_table(600, 100, 2);
  std::vector<uint32_t> members;
  for (uint32_t r = 0; r < 600; ++r)
    members.push_back(r);
  const RowDistances set(table, members);
  std::vector<float> queries;
  for (uint32_t q = 0; q < 9; ++q) {
    const auto row = table.row(q * 37 + 5);
    queries.insert(queries.end(), row.begin(), row.end());
  }
  std::vector<float> batched(9 * set.size());
  set.many(queries, batched);
  for (size_t q = 0; q < 9; ++q) {
    std::vector<float> alone(set.size());
    set.all(std::span<const float>(queries).subspan(q * 100, 100), alone);
    for (size_t i = 0; i < set.size(); ++i)
      ASSERT_EQ(alone[i], batched[q * set.size() + i]) << "query " << q << " member " << i;
  }
  // A batch starting elsewhere (the query at another position in its tile).
  std::vector<float> shifted(5 * set.size());
  set.many(std::span<const float>(queries).subspan(300, 500), shifted);
  for (size_t i = 0; i < shifted.size(); ++i)
    ASSERT_EQ(shifted[i], batched[3 * set.size() + i]);
}

TEST(RowDistances, EachQueryGetsItsRowOfManyAcrossProducts) {
  // More queries than one product takes, so the last product is partial.
  const EmbeddingTable table = random_table(300, 37, 5);
  std::vector<uint32_t> members(250);
  std::iota(members.begin(), members.end(), 10u);
  const RowDistances set(table, members);
  const size_t m = 2 * kQueriesPerProduct + 7;
  std::vector<uint32_t> rows(m);
  for (size_t q = 0; q < m; ++q)
    rows[q] = static_cast<uint32_t>((q * 7) % 300);
  const std::vector<float> queries = table.gather(rows);
  std::vector<float> expected(m * set.size());
  set.many(queries, expected);
  std::vector<size_t> seen;
  set.for_each_query(queries, [&](size_t q, std::span<float> d) {
    seen.push_back(q);
    ASSERT_EQ(d.size(), set.size());
    for (size_t i = 0; i < d.size(); ++i)
      ASSERT_EQ(d[i], expected[q * set.size() + i]) << "query " << q << " member " << i;
  });
  std::vector<size_t> all(m);
  std::iota(all.begin(), all.end(), 0u);
  EXPECT_EQ(seen, all);
  set.for_each_query({}, [](size_t, std::span<float>) { FAIL() << "no query, no call"; });
}

TEST(RowDistances, DistancesFromRowsAreSymmetricBitForBit) {
  // d(a, b) with a as the query equals d(b, a) with b as the query: the
  // exact channels read a column (one output against every input) where
  // sampling computed rows (one input against every output).
  const EmbeddingTable table = random_table(300, 37, 4);
  std::vector<uint32_t> members(300);
  std::iota(members.begin(), members.end(), 0u);
  const RowDistances set(table, members);
  const std::vector<uint32_t> queries = {0, 7, 128, 255, 256, 299};
  std::vector<float> out;
  set.from_rows(table, queries, out);
  ASSERT_EQ(out.size(), queries.size() * set.size());
  std::vector<float> all(300 * set.size());
  set.from_rows(table, members, all);
  for (size_t q = 0; q < queries.size(); ++q) {
    for (uint32_t b = 0; b < 300; ++b) {
      ASSERT_EQ(out[q * set.size() + b], all[b * set.size() + queries[q]])
          << queries[q] << " and " << b;
    }
  }
}

TEST(RowDistances, EmptyBatchAndEmptySet) {
  const EmbeddingTable table = random_table(10, 4, 3);
  const RowDistances set(table, {1, 2, 3});
  set.many({}, {});
  const RowDistances none(table, {});
  std::vector<float> out;
  none.many(table.row(0), out);
  EXPECT_EQ(none.size(), 0u);
}

}  // namespace
}  // namespace privqa
