// Euclidean distances from a query vector to a fixed set of table rows, all
// at once: sqrt(|x|^2 + |y|^2 - 2 x.y), the dot products computed for blocks of
// rows stored column by column so that the inner loop is a plain
// multiply-add over independent outputs (vectorized; the widest instruction
// set of the machine is chosen at run time). The fast path for per-word
// sampling tables: a query costs |set| x dims multiply-adds, nothing is kept
// between queries.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "privqa/embed/embedding_table.h"

namespace privqa {

class RowDistances {
 public:
  RowDistances(const EmbeddingTable& table, std::vector<uint32_t> rows);

  size_t size() const { return rows_.size(); }
  const std::vector<uint32_t>& rows() const { return rows_; }  // set position -> table row
  // out[i] = distance from x to member i; out.size() == size(). Accurate to
  // float rounding (about 1e-6 relative).
  void all(std::span<const float> x, std::span<float> out) const;

 private:
  std::vector<uint32_t> rows_;
  size_t dims_;
  std::vector<float> blocks_;         // per block of kBlockRows members: dims x kBlockRows
  std::vector<float> squared_norms_;  // |y|^2 per member (padded to whole blocks)
};

}  // namespace privqa
