// Euclidean distances from query vectors to a fixed set of table rows:
// sqrt(max(0, |x|^2 + |y|^2 - 2 x.y)) in float, computed by the blocked
// matrix product of embed/blocked_rows.h. Nothing is kept between calls.
//
// Contract: the distance from a query to a member is the same float whatever
// the batch it is computed in, so callers may batch or not without changing
// any result.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "privqa/embed/blocked_rows.h"
#include "privqa/embed/embedding_table.h"

namespace privqa {

class RowDistances {
 public:
  RowDistances(const EmbeddingTable& table, std::vector<uint32_t> rows);

  size_t size() const { return rows_.size(); }
  size_t dims() const { return set_.dims(); }
  const std::vector<uint32_t>& rows() const { return rows_; }  // set position -> table row
  // out[i] = distance from x to member i; out.size() == size(). Accurate to
  // float rounding (about 1e-6 relative).
  void all(std::span<const float> x, std::span<float> out) const;
  // queries: m vectors of dims() floats, one after the other; out: m rows of
  // size() distances, out[q * size() + i] = distance from query q to member i.
  // Equal, bit for bit, to all() on each query.
  void many(std::span<const float> queries, std::span<float> out) const;

 private:
  std::vector<uint32_t> rows_;
  BlockedRows set_;
};

}  // namespace privqa
