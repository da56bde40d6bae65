// Walker's alias method (Vose's construction): O(n) build, O(1) draws, for a
// discrete distribution sampled many times. Probabilities are kept in double
// and compared with 53-bit uniforms, so a draw follows the weights to double
// rounding. 12 bytes per outcome.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "privqa/dp/rng.h"

namespace privqa {

class AliasTable {
 public:
  AliasTable() = default;
  // weights: non-negative, finite, positive sum (checked by assert). An
  // outcome of weight 0 is never drawn.
  explicit AliasTable(std::span<const double> weights);

  size_t size() const { return accept_.size(); }
  size_t sample(Rng& rng) const;
  size_t memory_bytes() const { return size() * (sizeof(double) + sizeof(uint32_t)); }

 private:
  std::vector<double> accept_;   // probability of keeping column i
  std::vector<uint32_t> alias_;  // outcome taken otherwise
};

}  // namespace privqa
