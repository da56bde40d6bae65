#include "privqa/sim/draw.h"

#include <xxhash.h>

#include <cmath>
#include <cstdint>
#include <numbers>

namespace privqa::sim {

Draw& Draw::with(std::string_view part) {
  const uint64_t size = part.size();
  key_.append(reinterpret_cast<const char*>(&size), sizeof size);
  key_.append(part);
  started_ = false;
  return *this;
}

Draw& Draw::with(uint64_t part) {
  key_.append(reinterpret_cast<const char*>(&part), sizeof part);
  started_ = false;
  return *this;
}

uint64_t Draw::next_u64() {
  if (!started_) {
    state_ = XXH3_64bits(key_.data(), key_.size());
    started_ = true;
  }
  // splitmix64: a full-period generator whose outputs pass BigCrush.
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double Draw::uniform() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

uint64_t Draw::below(uint64_t n) {
  // Rejecting the top partial block of 2^64 keeps every residue equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x = next_u64();
  while (x >= limit)
    x = next_u64();
  return x % n;
}

double Draw::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace privqa::sim
