// Dot products and Euclidean distances from query vectors to a fixed set of
// vectors, computed as a blocked matrix product: the set is stored column by
// column in blocks of rows, and a tile of queries x members is accumulated in
// registers, so every member loaded serves several queries. The widest
// instruction set of the machine (AVX-512, AVX2 + FMA, or baseline x86-64) is
// chosen once, at run time.
//
// Contract: the value for a (query, member) pair is the same float whatever
// the batch it is computed in (the arithmetic per pair does not depend on the
// number of queries or their position), so callers may batch or not without
// changing any result. Results are float-accurate (about dims x 1e-7
// relative to |q||y|), not exact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace privqa {

class BlockedRows {
 public:
  // Members per block; a range of members must start at a multiple of it.
  static constexpr size_t kBlockRows = 256;

  BlockedRows() = default;
  // vectors: count x dims floats, row-major (copied).
  BlockedRows(std::span<const float> vectors, size_t dims);

  size_t size() const { return size_; }
  size_t dims() const { return dims_; }

  // queries: m vectors of dims() floats, one after the other. For members
  // [begin, begin + count) (begin a multiple of kBlockRows, within size()):
  // out[q * count + i] = queries[q] . member (begin + i).
  void dots(std::span<const float> queries, size_t begin, size_t count, std::span<float> out) const;
  // Over all members: out[q * size() + i] = sqrt(max(0, |q|^2 + |y_i|^2 -
  // 2 q.y_i)), the squared norms summed in double.
  void distances(std::span<const float> queries, std::span<float> out) const;
  // distances() of one query to one member (< size()), equal to its entry
  // bit for bit; costs one tile of members instead of all of them.
  float distance(std::span<const float> query, size_t member) const;

  // The two members nearest a query by distances()'s values, and those
  // values, bit for bit; of equal distances the lower member comes first.
  struct Nearest {
    uint32_t first, second;
    float first_distance, second_distance;
  };
  // out[q] for each of the m queries; needs size() >= 2. Costs the
  // distances() product without writing m x size() floats.
  void nearest_two(std::span<const float> queries, std::span<Nearest> out) const;

 private:
  size_t size_ = 0;
  size_t dims_ = 0;
  std::vector<float> blocks_;         // per block of kBlockRows members: dims x kBlockRows
  std::vector<float> squared_norms_;  // |y|^2 per member (padded to whole blocks)
};

}  // namespace privqa
