#include "privqa/embed/blocked_rows.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace privqa {
namespace {

constexpr size_t kBlockRows = BlockedRows::kBlockRows;
// Queries per tile: batches go 4 at a time, the last 1–3 together.
constexpr size_t kTileQueries = 4;
// Members a kernel tile covers (two vectors of the widest kernel); a tile
// starts at a multiple of it within its block.
constexpr size_t kTileRows = 32;
static_assert(kBlockRows % kTileRows == 0);

// What a tile's dot products become.
enum class Epilogue { kDots, kDistances, kNearest };

// Per query, per position in a tile: the two smallest (distance, member)
// pairs seen at that position, in (distance, member) order. Positions start
// at +inf, so one that never saw a member never wins.
struct NearestLanes {
  alignas(64) float first[kTileRows];
  alignas(64) float second[kTileRows];
  alignas(64) int32_t first_member[kTileRows];
  alignas(64) int32_t second_member[kTileRows];
};

// One tile of members against Q queries.
struct Tile {
  const float* columns;      // member r of the tile, dimension j: columns[j * kBlockRows + r]
  const float* norms;        // the tile's members' squared norms
  size_t first_member;       // index of the tile's first member
  size_t rows;               // members of the tile that exist (the rest is zero padding)
  const float* queries;      // Q rows of dims floats
  const float* query_norms;  // Q squared norms (kDistances, kNearest)
  size_t dims;
  float* out;  // kDots, kDistances: query q's row at out + q * out_stride
  size_t out_stride;
  NearestLanes* lanes;  // kNearest: Q of them
};

template <class V>
void load(V& v, const float* p) {
  __builtin_memcpy(&v, p, sizeof(V));
}

// The first `lanes` lanes of v (all when there are more), to p.
template <class V>
[[gnu::always_inline]] inline void store(float* p, const V& v, size_t lanes) {
  if (lanes >= sizeof(V) / sizeof(float)) {
    __builtin_memcpy(p, &v, sizeof(V));
  } else {
    for (size_t k = 0; k < lanes; ++k)
      p[k] = v[k];
  }
}

// dots := sqrt(max(0, |q|^2 + |y|^2 - 2 q.y)) lane by lane: the one formula
// every distance goes through, so a distance is the same float whatever asked.
template <class V>
[[gnu::always_inline]] inline void to_distance(float query_norm, const V& norms, V& dots) {
  V d = (query_norm + norms) - 2.0f * dots;
  d = d < V{} ? V{} : d;
  for (size_t k = 0; k < sizeof(V) / sizeof(float); ++k)
    dots[k] = __builtin_sqrtf(d[k]);
}

// Q x (2 vectors of V) dot products stay in registers for the whole pass over
// the dimensions, then go through the epilogue. Each output is the same
// sequence of multiply-adds over j whatever Q and V are, so batching changes
// no result (and the kernel, fixed per process, is the only thing that could).
template <size_t Q, class V, Epilogue E>
[[gnu::always_inline]] inline void tile_kernel(const Tile& t) {
  constexpr size_t kWidth = sizeof(V) / sizeof(float);
  static_assert(2 * kWidth <= kTileRows && kTileRows % (2 * kWidth) == 0);
  using Mask = decltype(V{} < V{});  // int32 lanes
  for (size_t r0 = 0; r0 < kTileRows; r0 += 2 * kWidth) {
    V acc[Q][2] = {};
    for (size_t j = 0; j < t.dims; ++j) {
      const float* column = t.columns + j * kBlockRows + r0;
      V low, high;
      load(low, column);
      load(high, column + kWidth);
      for (size_t q = 0; q < Q; ++q) {
        const float xq = t.queries[q * t.dims + j];
        acc[q][0] += xq * low;
        acc[q][1] += xq * high;
      }
    }
    for (size_t q = 0; q < Q; ++q) {
      for (size_t h = 0; h < 2; ++h) {
        const size_t r = r0 + h * kWidth;
        if constexpr (E == Epilogue::kDots) {
          store(t.out + q * t.out_stride + r, acc[q][h], t.rows - std::min(r, t.rows));
          continue;
        }
        V norms;
        load(norms, t.norms + r);
        V& d = acc[q][h];
        to_distance(t.query_norms[q], norms, d);
        if constexpr (E == Epilogue::kDistances) {
          store(t.out + q * t.out_stride + r, d, t.rows - std::min(r, t.rows));
        } else {
          Mask member;
          for (size_t k = 0; k < kWidth; ++k)
            member[k] = static_cast<int32_t>(t.first_member + r + k);
          // Padding rows are no members.
          const Mask exists = member < static_cast<int32_t>(t.first_member + t.rows);
          d = exists ? d : std::numeric_limits<float>::infinity();
          NearestLanes& lanes = t.lanes[q];
          V first, second;
          Mask first_member, second_member;
          load(first, lanes.first + r);
          load(second, lanes.second + r);
          __builtin_memcpy(&first_member, lanes.first_member + r, sizeof(Mask));
          __builtin_memcpy(&second_member, lanes.second_member + r, sizeof(Mask));
          // Members arrive in increasing order, so strict comparisons keep
          // the lower member of equal distances first.
          const Mask below_first = d < first, below_second = d < second;
          second = below_first ? first : (below_second ? d : second);
          second_member = below_first ? first_member : (below_second ? member : second_member);
          first = below_first ? d : first;
          first_member = below_first ? member : first_member;
          __builtin_memcpy(lanes.first + r, &first, sizeof(V));
          __builtin_memcpy(lanes.second + r, &second, sizeof(V));
          __builtin_memcpy(lanes.first_member + r, &first_member, sizeof(Mask));
          __builtin_memcpy(lanes.second_member + r, &second_member, sizeof(Mask));
        }
      }
    }
  }
}

typedef float Float16 __attribute__((vector_size(64)));
typedef float Float8 __attribute__((vector_size(32)));
typedef float Float4 __attribute__((vector_size(16)));

// One tile against 1..kTileQueries queries.
using Kernel = void (*)(size_t queries, Epilogue epilogue, const Tile& tile);

template <class V, Epilogue E>
[[gnu::always_inline]] inline void with_queries(size_t queries, const Tile& t) {
  switch (queries) {
    case 4:
      return tile_kernel<4, V, E>(t);
    case 3:
      return tile_kernel<3, V, E>(t);
    case 2:
      return tile_kernel<2, V, E>(t);
    default:
      return tile_kernel<1, V, E>(t);
  }
}

template <class V>
[[gnu::always_inline]] inline void any_tile(size_t queries, Epilogue epilogue, const Tile& t) {
  switch (epilogue) {
    case Epilogue::kDots:
      return with_queries<V, Epilogue::kDots>(queries, t);
    case Epilogue::kDistances:
      return with_queries<V, Epilogue::kDistances>(queries, t);
    case Epilogue::kNearest:
      return with_queries<V, Epilogue::kNearest>(queries, t);
  }
}

[[gnu::target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]] void kernel_avx512(size_t queries,
                                                                                  Epilogue epilogue,
                                                                                  const Tile& t) {
  any_tile<Float16>(queries, epilogue, t);
}

[[gnu::target("avx2,fma")]] void kernel_avx2(size_t queries, Epilogue epilogue, const Tile& t) {
  any_tile<Float8>(queries, epilogue, t);
}

void kernel_baseline(size_t queries, Epilogue epilogue, const Tile& t) {
  any_tile<Float4>(queries, epilogue, t);
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

// |q|^2 summed in double, as the members' squared norms.
float squared_norm(const float* query, size_t dims) {
  double sum = 0;
  for (size_t j = 0; j < dims; ++j)
    sum += static_cast<double>(query[j]) * query[j];
  return static_cast<float>(sum);
}

// The two smallest (distance, member) pairs over all positions of `lanes`.
BlockedRows::Nearest reduce(const NearestLanes& lanes) {
  auto before = [](float d, int32_t m, float d2, int32_t m2) {
    return d < d2 || (d == d2 && m < m2);
  };
  size_t best = 0;
  for (size_t r = 1; r < kTileRows; ++r) {
    if (before(lanes.first[r], lanes.first_member[r], lanes.first[best],
               lanes.first_member[best])) {
      best = r;
    }
  }
  float second = lanes.second[best];
  int32_t second_member = lanes.second_member[best];
  for (size_t r = 0; r < kTileRows; ++r) {
    if (r != best && before(lanes.first[r], lanes.first_member[r], second, second_member)) {
      second = lanes.first[r];
      second_member = lanes.first_member[r];
    }
  }
  return {static_cast<uint32_t>(lanes.first_member[best]), static_cast<uint32_t>(second_member),
          lanes.first[best], second};
}

// The kernel over members [begin, begin + count) of `blocks` (begin a
// multiple of kBlockRows) for every query, into `out` (kDots, kDistances:
// query q's row at out + q * count) or `lanes` (kNearest: one per query).
void run(const float* blocks, const float* squared_norms, size_t dims,
         std::span<const float> queries, size_t begin, size_t count, Epilogue epilogue, float* out,
         NearestLanes* lanes) {
  assert(dims > 0 && queries.size() % dims == 0 && begin % kBlockRows == 0);
  const size_t m = queries.size() / dims;
  // Squared norms of the queries, in double as the members'.
  std::vector<float> norms(epilogue == Epilogue::kDots ? 0 : m);
  for (size_t q = 0; q < norms.size(); ++q)
    norms[q] = squared_norm(queries.data() + q * dims, dims);
  // Tiles outside, queries inside: a tile's members (dims x kTileRows
  // floats) stay in the first-level cache while every query passes over them.
  for (size_t offset = 0; offset < count; offset += kTileRows) {
    const size_t member = begin + offset;
    Tile tile{.columns = blocks + member / kBlockRows * kBlockRows * dims + member % kBlockRows,
              .norms = squared_norms + member,
              .first_member = member,
              .rows = std::min(kTileRows, count - offset),
              .queries = nullptr,
              .query_norms = nullptr,
              .dims = dims,
              .out = nullptr,
              .out_stride = count,
              .lanes = nullptr};
    for (size_t q0 = 0; q0 < m; q0 += kTileQueries) {
      tile.queries = queries.data() + q0 * dims;
      if (!norms.empty()) tile.query_norms = norms.data() + q0;
      if (out != nullptr) tile.out = out + q0 * count + offset;
      if (lanes != nullptr) tile.lanes = lanes + q0;
      kKernel(std::min(kTileQueries, m - q0), epilogue, tile);
    }
  }
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
  assert(out.size() == queries.size() / dims_ * count);
  run(blocks_.data(), squared_norms_.data(), dims_, queries, begin, count, Epilogue::kDots,
      out.data(), nullptr);
}

void BlockedRows::distances(std::span<const float> queries, std::span<float> out) const {
  assert(out.size() == queries.size() / dims_ * size_);
  run(blocks_.data(), squared_norms_.data(), dims_, queries, 0, size_, Epilogue::kDistances,
      out.data(), nullptr);
}

void BlockedRows::nearest_two(std::span<const float> queries, std::span<Nearest> out) const {
  assert(size_ >= 2 && out.size() == queries.size() / dims_);
  thread_local std::vector<NearestLanes> lanes;
  lanes.resize(out.size());
  for (NearestLanes& l : lanes) {
    std::fill(std::begin(l.first), std::end(l.first), std::numeric_limits<float>::infinity());
    std::fill(std::begin(l.second), std::end(l.second), std::numeric_limits<float>::infinity());
    std::fill(std::begin(l.first_member), std::end(l.first_member),
              std::numeric_limits<int32_t>::max());
    std::fill(std::begin(l.second_member), std::end(l.second_member),
              std::numeric_limits<int32_t>::max());
  }
  run(blocks_.data(), squared_norms_.data(), dims_, queries, 0, size_, Epilogue::kNearest, nullptr,
      lanes.data());
  for (size_t q = 0; q < out.size(); ++q)
    out[q] = reduce(lanes[q]);
}

float BlockedRows::distance(std::span<const float> query, size_t member) const {
  assert(query.size() == dims_ && member < size_);
  // The kernel on the tile holding `member` alone: each pair's arithmetic is
  // the same whatever the tiles around it (the blocks are padded with zeros,
  // so a whole tile can be read).
  const size_t tile = member / kTileRows * kTileRows;
  const float norm = squared_norm(query.data(), dims_);
  float out[kTileRows];
  kKernel(1, Epilogue::kDistances,
          {.columns = blocks_.data() + tile / kBlockRows * kBlockRows * dims_ + tile % kBlockRows,
           .norms = squared_norms_.data() + tile,
           .first_member = tile,
           .rows = kTileRows,
           .queries = query.data(),
           .query_norms = &norm,
           .dims = dims_,
           .out = out,
           .out_stride = kTileRows,
           .lanes = nullptr});
  return out[member - tile];
}

}  // namespace privqa
