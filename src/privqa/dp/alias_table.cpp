#include "privqa/dp/alias_table.h"

#include <cassert>

namespace privqa {

AliasTable::AliasTable(std::span<const double> weights)
    : accept_(weights.size(), 1.0), alias_(weights.size()) {
  const size_t n = weights.size();
  double total = 0;
  for (double w : weights)
    total += w;
  assert(n > 0 && total > 0);
  std::vector<double> scaled(n);
  std::vector<uint32_t> small, large;
  small.reserve(n);  // no reallocation while sorting columns
  large.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    alias_[i] = static_cast<uint32_t>(i);
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const uint32_t s = small.back();
    small.pop_back();
    const uint32_t l = large.back();
    accept_[s] = scaled[s];
    alias_[s] = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Whatever remains is 1 up to rounding: always accepted (set at start). A
  // weight-0 outcome cannot remain: the columns left hold about one unit each.
}

size_t AliasTable::sample(Rng& rng) const {
  const uint64_t column = rng.below(accept_.size());
  return rng.uniform() < accept_[column] ? column : alias_[column];
}

}  // namespace privqa
