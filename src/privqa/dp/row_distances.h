// Euclidean distances from query vectors to a fixed set of table rows:
// sqrt(max(0, |x|^2 + |y|^2 - 2 x.y)) in float, computed by the blocked
// matrix product of embed/blocked_rows.h. Nothing is kept between calls.
//
// Contract: the distance from a query to a member is the same float whatever
// the batch it is computed in, so callers may batch or not without changing
// any result. It is symmetric, bit for bit: for two member rows a and b, a as
// the query gives for b what b as the query gives for a (the arithmetic of a
// pair, a sum of products in a fixed order plus two norms, is symmetric in
// the two vectors), so an exact channel may read columns where sampling
// computed rows.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "privqa/embed/blocked_rows.h"
#include "privqa/embed/embedding_table.h"

namespace privqa {

// Queries a caller with many computes in one many() call: enough to fill the
// product's tiles, and 64 rows of scratch.
inline constexpr size_t kQueriesPerProduct = 64;

class RowDistances {
 public:
  RowDistances(const EmbeddingTable& table, std::vector<uint32_t> rows);

  size_t size() const { return rows_.size(); }
  size_t dims() const { return set_.dims(); }
  const std::vector<uint32_t>& rows() const { return rows_; }  // set position -> table row
  // out[i] = distance from x to member i; out.size() == size(). Accurate to
  // float rounding (about 1e-6 relative).
  void all(std::span<const float> x, std::span<float> out) const;
  // all()'s entry for member i alone, bit for bit.
  float one(std::span<const float> x, size_t i) const { return set_.distance(x, i); }
  // queries: m vectors of dims() floats, one after the other; out: m rows of
  // size() distances, out[q * size() + i] = distance from query q to member i.
  // Equal, bit for bit, to all() on each query.
  void many(std::span<const float> queries, std::span<float> out) const;
  // many() for any number of queries, kQueriesPerProduct to a product, into
  // a scratch buffer reused between calls: calls each(q, d) with d the
  // distances from query q to the members, d valid (and writable) during the
  // call only.
  void for_each_query(std::span<const float> queries,
                      const std::function<void(size_t, std::span<float>)>& each) const;
  // For each of the m queries, the two nearest members by many()'s values
  // (ties: the lower position), bit for bit, without writing m x size()
  // distances. Needs size() >= 2.
  void nearest_two(std::span<const float> queries, std::span<BlockedRows::Nearest> out) const {
    set_.nearest_two(queries, out);
  }
  // many() with the vectors of table rows `queries` as the queries: out is
  // resized to queries.size() rows of size() distances.
  void from_rows(const EmbeddingTable& table, std::span<const uint32_t> queries,
                 std::vector<float>& out) const;

 private:
  std::vector<uint32_t> rows_;
  BlockedRows set_;
};

}  // namespace privqa
