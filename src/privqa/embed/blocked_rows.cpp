#include "privqa/embed/blocked_rows.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace privqa {
namespace {

constexpr size_t kBlockRows = BlockedRows::kBlockRows;
// Queries per tile: batches go 4 at a time, the rest one at a time.
constexpr size_t kTileQueries = 4;

// One block of members against Q queries (row-major), tile by tile:
// Q x (2 vectors of V) dot products stay in registers for the whole pass over
// the dimensions, then are written as dot products or as distances
// (query_norms != nullptr). Each output is the same sequence of multiply-adds
// over j whatever Q and V are, so batching changes no result (and the kernel,
// fixed per process, is the only thing that could).
template <size_t Q, class V>
[[gnu::always_inline]] inline void block_tile(const float* block, const float* norms,
                                              const float* queries, const float* query_norms,
                                              size_t dims, float* out, size_t out_stride,
                                              size_t valid_rows) {
  constexpr size_t kWidth = sizeof(V) / sizeof(float);
  constexpr size_t kRows = 2 * kWidth;
  static_assert(kBlockRows % kRows == 0);
  for (size_t r0 = 0; r0 < valid_rows; r0 += kRows) {
    V acc[Q][2] = {};
    for (size_t j = 0; j < dims; ++j) {
      const float* column = block + j * kBlockRows + r0;
      V low, high;
      __builtin_memcpy(&low, column, sizeof(V));
      __builtin_memcpy(&high, column + kWidth, sizeof(V));
      for (size_t q = 0; q < Q; ++q) {
        const float xq = queries[q * dims + j];
        acc[q][0] += xq * low;
        acc[q][1] += xq * high;
      }
    }
    const size_t rows = std::min(kRows, valid_rows - r0);
    for (size_t q = 0; q < Q; ++q) {
      float dots[kRows];
      __builtin_memcpy(dots, &acc[q][0], sizeof(V));
      __builtin_memcpy(dots + kWidth, &acc[q][1], sizeof(V));
      float* target = out + q * out_stride + r0;
      if (query_norms == nullptr) {
        std::copy(dots, dots + rows, target);
        continue;
      }
      for (size_t r = 0; r < rows; ++r)
        target[r] = std::sqrt(std::max(query_norms[q] + norms[r0 + r] - 2.0f * dots[r], 0.0f));
    }
  }
}

typedef float Float16 __attribute__((vector_size(64)));
typedef float Float8 __attribute__((vector_size(32)));
typedef float Float4 __attribute__((vector_size(16)));

// One block against `queries` queries (kTileQueries or 1).
using Kernel = void (*)(size_t queries, const float* block, const float* norms,
                        const float* query_rows, const float* query_norms, size_t dims, float* out,
                        size_t out_stride, size_t valid_rows);

template <class V>
[[gnu::always_inline]] inline void any_tile(size_t queries, const float* block, const float* norms,
                                            const float* query_rows, const float* query_norms,
                                            size_t dims, float* out, size_t out_stride,
                                            size_t valid_rows) {
  if (queries == kTileQueries) {
    block_tile<kTileQueries, V>(block, norms, query_rows, query_norms, dims, out, out_stride,
                                valid_rows);
  } else {
    block_tile<1, V>(block, norms, query_rows, query_norms, dims, out, out_stride, valid_rows);
  }
}

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]] void kernel_avx512(
    size_t queries, const float* block, const float* norms, const float* query_rows,
    const float* query_norms, size_t dims, float* out, size_t out_stride, size_t valid_rows) {
  any_tile<Float16>(queries, block, norms, query_rows, query_norms, dims, out, out_stride,
                    valid_rows);
}

[[gnu::target("avx2,fma")]] void kernel_avx2(size_t queries, const float* block, const float* norms,
                                             const float* query_rows, const float* query_norms,
                                             size_t dims, float* out, size_t out_stride,
                                             size_t valid_rows) {
  any_tile<Float8>(queries, block, norms, query_rows, query_norms, dims, out, out_stride,
                   valid_rows);
}

void kernel_baseline(size_t queries, const float* block, const float* norms,
                     const float* query_rows, const float* query_norms, size_t dims, float* out,
                     size_t out_stride, size_t valid_rows) {
  any_tile<Float4>(queries, block, norms, query_rows, query_norms, dims, out, out_stride,
                   valid_rows);
}

Kernel choose_kernel() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("fma")) {
    return kernel_avx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return kernel_avx2;
  return kernel_baseline;
}

const Kernel kKernel = choose_kernel();

// Members a kernel tile covers (two vectors of the widest kernel); a tile
// starts at a multiple of it within its block.
constexpr size_t kTileRows = 32;
static_assert(BlockedRows::kBlockRows % kTileRows == 0);

// |q|^2 summed in double, as the members' squared norms.
float squared_norm(const float* query, size_t dims) {
  double sum = 0;
  for (size_t j = 0; j < dims; ++j)
    sum += static_cast<double>(query[j]) * query[j];
  return static_cast<float>(sum);
}

}  // namespace

BlockedRows::BlockedRows(std::span<const float> vectors, size_t dims)
    : size_(dims == 0 ? 0 : vectors.size() / dims), dims_(dims) {
  const size_t blocks = (size_ + kBlockRows - 1) / kBlockRows;
  blocks_.assign(blocks * kBlockRows * dims_, 0.0f);
  squared_norms_.assign(blocks * kBlockRows, 0.0f);
  for (size_t i = 0; i < size_; ++i) {
    const float* row = vectors.data() + i * dims_;
    float* block = blocks_.data() + (i / kBlockRows) * kBlockRows * dims_;
    double sum = 0;
    for (size_t j = 0; j < dims_; ++j) {
      block[j * kBlockRows + i % kBlockRows] = row[j];
      sum += static_cast<double>(row[j]) * row[j];
    }
    squared_norms_[i] = static_cast<float>(sum);
  }
}

void BlockedRows::dots(std::span<const float> queries, size_t begin, size_t count,
                       std::span<float> out) const {
  run(queries, begin, count, out, false);
}

void BlockedRows::distances(std::span<const float> queries, std::span<float> out) const {
  run(queries, 0, size_, out, true);
}

float BlockedRows::distance(std::span<const float> query, size_t member) const {
  assert(query.size() == dims_ && member < size_);
  // The kernel on the tile holding `member` alone: each pair's arithmetic is
  // the same whatever the tiles around it (the blocks are padded with zeros,
  // so a whole tile can be read).
  const size_t tile = member / kTileRows * kTileRows;
  const size_t block = tile / kBlockRows;
  const float norm = squared_norm(query.data(), dims_);
  float out[kTileRows];
  kKernel(1, blocks_.data() + block * kBlockRows * dims_ + tile % kBlockRows,
          squared_norms_.data() + tile, query.data(), &norm, dims_, out, kTileRows, kTileRows);
  return out[member - tile];
}

void BlockedRows::run(std::span<const float> queries, size_t begin, size_t count,
                      std::span<float> out, bool distances) const {
  assert(dims_ > 0 && queries.size() % dims_ == 0);
  assert(begin % kBlockRows == 0 && begin + count <= size_);
  const size_t m = queries.size() / dims_;
  assert(out.size() == m * count);
  // Squared norms of the queries, in double as the members'.
  std::vector<float> norms(distances ? m : 0);
  for (size_t q = 0; q < norms.size(); ++q)
    norms[q] = squared_norm(queries.data() + q * dims_, dims_);
  // Blocks outside, tiles inside: a block stays in cache while every query
  // passes over it.
  for (size_t offset = 0; offset < count; offset += kBlockRows) {
    const size_t rows = std::min(kBlockRows, count - offset);
    for (size_t q0 = 0; q0 < m;) {
      const size_t tile = m - q0 >= kTileQueries ? kTileQueries : 1;
      kKernel(tile, blocks_.data() + (begin + offset) * dims_,
              squared_norms_.data() + begin + offset, queries.data() + q0 * dims_,
              distances ? norms.data() + q0 : nullptr, dims_, out.data() + q0 * count + offset,
              count, rows);
      q0 += tile;
    }
  }
}

}  // namespace privqa
