#include "privqa/dp/row_distances.h"

#include <algorithm>
#include <cmath>

namespace privqa {
namespace {

constexpr size_t kBlockRows = 256;

// out[r] = sqrt(max(0, xx + norms[r] - 2 sum_j x[j] block[j][r])) for one block.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void block_distances(
    const float* block, const float* norms, const float* x, size_t dims, float xx, float* out) {
  float dots[kBlockRows] = {};
  for (size_t j = 0; j < dims; ++j) {
    const float xj = x[j];
    const float* column = block + j * kBlockRows;
    for (size_t r = 0; r < kBlockRows; ++r)
      dots[r] += xj * column[r];
  }
  for (size_t r = 0; r < kBlockRows; ++r) {
    out[r] = std::sqrt(std::max(xx + norms[r] - 2.0f * dots[r], 0.0f));
  }
}

}  // namespace

RowDistances::RowDistances(const EmbeddingTable& table, std::vector<uint32_t> rows)
    : rows_(std::move(rows)), dims_(table.dims()) {
  const size_t blocks = (rows_.size() + kBlockRows - 1) / kBlockRows;
  blocks_.assign(blocks * kBlockRows * dims_, 0.0f);
  squared_norms_.assign(blocks * kBlockRows, 0.0f);
  for (size_t i = 0; i < rows_.size(); ++i) {
    const auto row = table.row(rows_[i]);
    float* block = blocks_.data() + (i / kBlockRows) * kBlockRows * dims_;
    double sum = 0;
    for (size_t j = 0; j < dims_; ++j) {
      block[j * kBlockRows + i % kBlockRows] = row[j];
      sum += static_cast<double>(row[j]) * row[j];
    }
    squared_norms_[i] = static_cast<float>(sum);
  }
}

void RowDistances::all(std::span<const float> x, std::span<float> out) const {
  double xx = 0;
  for (float v : x)
    xx += static_cast<double>(v) * v;
  float tail[kBlockRows];
  for (size_t begin = 0; begin < size(); begin += kBlockRows) {
    const size_t count = std::min(kBlockRows, size() - begin);
    float* target = count == kBlockRows ? out.data() + begin : tail;
    block_distances(blocks_.data() + begin * dims_, squared_norms_.data() + begin, x.data(), dims_,
                    static_cast<float>(xx), target);
    if (target == tail) std::copy(tail, tail + count, out.data() + begin);
  }
}

}  // namespace privqa
