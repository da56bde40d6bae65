#include "privqa/dp/rng.h"

#include <sys/random.h>
#include <xxhash.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <numbers>

#include "privqa/base/target_clones.h"

namespace privqa {
namespace {

__extension__ typedef unsigned __int128 uint128;  // GCC/Clang builtin; __extension__: not ISO

// kBlocks ChaCha20 blocks at once, lane b being block counter + b: each
// state word is a vector over the blocks, so the rounds are plain vector
// arithmetic (the widest instruction set is chosen at load time).
typedef uint32_t Lanes __attribute__((vector_size(32)));
static_assert(sizeof(Lanes) / sizeof(uint32_t) == 8);

// In place: a vector passed by value would change the ABI between clones.
inline void rotate_left(Lanes& v, int c) {
  v = (v << c) | (v >> (32 - c));
}

inline void quarter_round(Lanes* x, int a, int b, int c, int d) {
  x[a] += x[b];
  x[d] ^= x[a];
  rotate_left(x[d], 16);
  x[c] += x[d];
  x[b] ^= x[c];
  rotate_left(x[b], 12);
  x[a] += x[b];
  x[d] ^= x[a];
  rotate_left(x[d], 8);
  x[c] += x[d];
  x[b] ^= x[c];
  rotate_left(x[b], 7);
}

PRIVQA_TARGET_CLONES void chacha_blocks(const uint32_t* state, uint32_t* out) {
  Lanes input[16];
  for (int k = 0; k < 16; ++k) {
    for (int b = 0; b < 8; ++b)
      input[k][b] = state[k];
  }
  const uint64_t counter = (static_cast<uint64_t>(state[13]) << 32) | state[12];
  for (int b = 0; b < 8; ++b) {
    input[12][b] = static_cast<uint32_t>(counter + b);
    input[13][b] = static_cast<uint32_t>((counter + b) >> 32);
  }
  Lanes x[16];
  for (int k = 0; k < 16; ++k)
    x[k] = input[k];
  for (int round = 0; round < 10; ++round) {
    quarter_round(x, 0, 4, 8, 12);
    quarter_round(x, 1, 5, 9, 13);
    quarter_round(x, 2, 6, 10, 14);
    quarter_round(x, 3, 7, 11, 15);
    quarter_round(x, 0, 5, 10, 15);
    quarter_round(x, 1, 6, 11, 12);
    quarter_round(x, 2, 7, 8, 13);
    quarter_round(x, 3, 4, 9, 14);
  }
  for (int k = 0; k < 16; ++k)
    x[k] += input[k];
  for (int b = 0; b < 8; ++b) {
    for (int k = 0; k < 16; ++k)
      out[b * 16 + k] = x[k][b];
  }
}

void append_tagged(std::string& out, char tag, const void* data, size_t size) {
  out.push_back(tag);
  const uint64_t length = size;
  out.append(reinterpret_cast<const char*>(&length), sizeof length);
  out.append(static_cast<const char*>(data), size);
}

}  // namespace

StreamKey& StreamKey::add(std::string_view text) {
  append_tagged(bytes_, 's', text.data(), text.size());
  return *this;
}

StreamKey& StreamKey::add(uint64_t number) {
  append_tagged(bytes_, 'u', &number, sizeof number);
  return *this;
}

StreamKey& StreamKey::add(double number) {
  if (number == 0.0) number = 0.0;  // one key for -0.0 and 0.0
  append_tagged(bytes_, 'd', &number, sizeof number);
  return *this;
}

Rng::Rng(const StreamKey& key) {
  // "expand 32-byte k", then a 256-bit key from two differently seeded
  // 128-bit hashes of the tuple, a zero block counter and a zero nonce.
  state_[0] = 0x61707865;
  state_[1] = 0x3320646e;
  state_[2] = 0x79622d32;
  state_[3] = 0x6b206574;
  const auto& bytes = key.bytes();
  const XXH128_hash_t low = XXH3_128bits_withSeed(bytes.data(), bytes.size(), 0x7072697671610001);
  const XXH128_hash_t high = XXH3_128bits_withSeed(bytes.data(), bytes.size(), 0x7072697671610002);
  const uint64_t words[4] = {low.low64, low.high64, high.low64, high.high64};
  std::memcpy(&state_[4], words, sizeof words);
}

void chacha20_blocks(const std::array<uint32_t, 16>& state, std::array<uint32_t, 128>& out) {
  chacha_blocks(state.data(), out.data());
}

void Rng::refill() {
  static_assert(kBlocks == 8, "chacha_blocks computes 8 blocks");
  chacha_blocks(state_.data(), buffer_.data());
  const uint64_t counter =
      ((static_cast<uint64_t>(state_[13]) << 32) | state_[12]) + kBlocks;  // 64-bit block counter
  state_[12] = static_cast<uint32_t>(counter);
  state_[13] = static_cast<uint32_t>(counter >> 32);
  used_ = 0;
}

uint64_t Rng::next_u64() {
  // Words are taken in pairs, so a pair never straddles two blocks.
  if (used_ + 2 > kWords) refill();
  const uint64_t value = (static_cast<uint64_t>(buffer_[used_]) << 32) | buffer_[used_ + 1];
  used_ += 2;
  return value;
}

double Rng::uniform() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

double Rng::uniform_open() {
  return (static_cast<double>(next_u64() >> 11) + 0.5) * 0x1.0p-53;
}

uint64_t Rng::below(uint64_t n) {
  // Lemire's multiply-and-reject: exact for every n.
  uint128 product = static_cast<uint128>(next_u64()) * n;
  uint64_t low = static_cast<uint64_t>(product);
  if (low < n) {
    const uint64_t threshold = -n % n;
    while (low < threshold) {
      product = static_cast<uint128>(next_u64()) * n;
      low = static_cast<uint64_t>(product);
    }
  }
  return static_cast<uint64_t>(product >> 64);
}

double Rng::laplace(double scale) {
  // Inverse CDF on a uniform in (-1/2, 1/2), never exactly ±1/2.
  const double u = uniform_open() - 0.5;
  return -scale * std::copysign(std::log1p(-2.0 * std::fabs(u)), u);
}

double Rng::normal() {
  // One of Box-Muller's pair: keeping no spare value keeps an Rng's state
  // its stream position only.
  const double radius = std::sqrt(-2.0 * std::log(uniform_open()));
  return radius * std::cos(2.0 * std::numbers::pi * uniform());
}

double Rng::gamma(double shape, double scale) {
  if (shape < 1) {
    // Gamma(a) = Gamma(a + 1) U^(1/a).
    return gamma(shape + 1, scale) * std::pow(uniform_open(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0, v = 0;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = uniform_open();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v * scale;
  }
}

Result<uint64_t> os_entropy_seed() {
  uint64_t seed = 0;
  ssize_t got = -1;
  do {
    got = getrandom(&seed, sizeof seed, 0);  // blocks only until the pool is first seeded
  } while (got < 0 && errno == EINTR);
  if (got != static_cast<ssize_t>(sizeof seed)) {
    return Error(std::string("cannot draw a seed from the operating system (getrandom): ") +
                 std::strerror(errno));
  }
  return seed;
}

Rng cell_rng(uint64_t run_seed, std::string_view question_id, std::string_view scenario,
             std::string_view mechanism, double eps, uint64_t repeat) {
  return Rng(
      StreamKey().add(run_seed).add(question_id).add(scenario).add(mechanism).add(eps).add(repeat));
}

}  // namespace privqa
