#include "privqa/dp/alias_table.h"

#include <cassert>

namespace privqa {

AliasTable::AliasTable(std::span<const double> weights)
    : accept_(weights.size(), 1.0f), alias_(weights.size()) {
  const size_t n = weights.size();
  double total = 0;
  for (double w : weights)
    total += w;
  assert(n > 0 && total > 0);
  std::vector<double> scaled(n);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    alias_[i] = static_cast<uint32_t>(i);
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const uint32_t s = small.back();
    small.pop_back();
    const uint32_t l = large.back();
    accept_[s] = static_cast<float>(scaled[s]);
    alias_[s] = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Whatever remains is 1 up to rounding: always accepted (set at start).
}

size_t AliasTable::sample(Rng& rng) const {
  const uint64_t column = rng.below(accept_.size());
  // 24 random bits are enough to compare against a float probability exactly.
  const float u = static_cast<float>(rng.next_u64() >> 40) * 0x1.0p-24f;
  return u < accept_[column] ? column : alias_[column];
}

}  // namespace privqa
