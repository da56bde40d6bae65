// Exact nearest neighbours over a set of table rows, computed blockwise with
// matrix products (blocked_rows.h for the batched search, Eigen for single
// queries) rather than one scalar loop per row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "privqa/embed/blocked_rows.h"
#include "privqa/embed/embedding_table.h"

namespace privqa {

enum class Metric { kEuclidean, kCosine };

struct Neighbor {
  uint32_t id;     // table row id
  float distance;  // Euclidean distance, or 1 - cosine similarity
};

// The selected rows, copied contiguously with their norms (the set does not
// refer to the table afterwards). Cosine treats a zero vector as orthogonal
// to everything (distance 1). Contract violations throw: a row id outside
// the table (std::out_of_range), a query or output of the wrong size
// (std::invalid_argument).
class VectorSet {
 public:
  VectorSet(const EmbeddingTable& table, std::vector<uint32_t> ids);  // ids = table row ids
  static VectorSet all(const EmbeddingTable& table);

  size_t size() const { return ids_.size(); }
  size_t dims() const { return dims_; }
  const std::vector<uint32_t>& ids() const { return ids_; }  // set position -> table row id

  // Distance from q to every member, in set order (out.size() must equal size()).
  void distances(std::span<const float> q, Metric metric, std::span<float> out) const;

  // The k nearest members (fewer if the set is smaller), closest first; ties
  // by table row id. Exact: candidates are re-scored directly.
  std::vector<Neighbor> nearest(std::span<const float> q, size_t k, Metric metric) const;
  std::vector<std::vector<Neighbor>> nearest_batch(const std::vector<std::span<const float>>& qs,
                                                   size_t k, Metric metric) const;

 private:
  std::vector<uint32_t> ids_;
  size_t dims_ = 0;
  std::vector<float> rows_;   // size() x dims(), row-major
  std::vector<float> norms_;  // Euclidean norm of each member
  // The same rows in blocked layout, built on the first search of several
  // queries (a set used one query at a time does not pay for a second copy).
  mutable std::once_flag blocked_once_;
  mutable BlockedRows blocked_;
};

}  // namespace privqa
