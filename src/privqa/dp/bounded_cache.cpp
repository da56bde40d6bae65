#include "privqa/dp/bounded_cache.h"

#include <bit>

namespace privqa {

uint64_t WordEpsKeys::key(uint32_t row, double eps) {
  const uint64_t bits = std::bit_cast<uint64_t>(eps);
  std::lock_guard lock(mutex_);
  const auto [it, inserted] = eps_numbers_.emplace(bits, eps_numbers_.size());
  return (it->second << 32) | row;
}

}  // namespace privqa
