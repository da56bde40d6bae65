// Reproducible random streams. A stream is a ChaCha20 keystream whose 256-bit
// key is a hash of a tuple of keys (run seed, question id, scenario, mechanism,
// eps, repeat, ...), so two cells with the same keys draw the same numbers and
// cells with different keys draw independent ones, whatever order they run in.
// An Rng is cheap to create and is not shared between threads.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "privqa/base/result.h"

namespace privqa {

// The tuple a stream is derived from. Each part is written with its type and
// length, so ("ab", "c") and ("a", "bc") are different keys.
class StreamKey {
 public:
  StreamKey& add(std::string_view text);
  StreamKey& add(uint64_t number);
  StreamKey& add(double number);  // by bit pattern; -0.0 is folded into 0.0
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

class Rng {
 public:
  using result_type = uint64_t;
  explicit Rng(const StreamKey& key);
  static Rng from_seed(uint64_t seed) { return Rng(StreamKey().add(seed)); }

  static constexpr uint64_t min() { return 0; }
  static constexpr uint64_t max() { return std::numeric_limits<uint64_t>::max(); }
  uint64_t operator()() { return next_u64(); }

  uint64_t next_u64();
  double uniform();              // in [0, 1), 53 random bits
  double uniform_open();         // in (0, 1)
  uint64_t below(uint64_t n);    // uniform in [0, n), unbiased; n > 0
  double laplace(double scale);  // density exp(-|x|/scale) / (2 scale)
  double normal();               // standard normal (Box-Muller, two uniforms per value)
  // Gamma with density x^(shape-1) exp(-x/scale) / (Γ(shape) scale^shape);
  // shape > 0, scale > 0 (Marsaglia-Tsang).
  double gamma(double shape, double scale);

 private:
  // Keystream blocks computed per refill: one SIMD lane each. The stream is
  // the same as one block at a time.
  static constexpr unsigned kBlocks = 8;
  static constexpr unsigned kWords = 16 * kBlocks;
  void refill();

  std::array<uint32_t, 16> state_{};       // state_[12..13]: the next block's counter
  std::array<uint32_t, kWords> buffer_{};  // kBlocks keystream blocks, in stream order
  unsigned used_ = kWords;                 // 32-bit words of buffer_ consumed
};

// The ChaCha20 block function (RFC 8439 section 2.3) that Rng draws from, on
// eight consecutive blocks: `state` holds the constants, the key, a 64-bit
// block counter in words 12-13 (low word first) and a 64-bit nonce in words
// 14-15; `out` receives the blocks of counters counter .. counter + 7, 16
// words each. RFC 8439's 32-bit counter and 96-bit nonce are the same state
// while the counter's low word does not wrap. Public for the RFC's vectors.
void chacha20_blocks(const std::array<uint32_t, 16>& state, std::array<uint32_t, 128>& out);

// 64 bits from the operating system's entropy source (getrandom), for seeds
// that protect privacy: a run seed is a secret key (docs/mechanisms.md).
Result<uint64_t> os_entropy_seed();

// The stream of one experiment cell (docs/architecture.md, "Randomness").
Rng cell_rng(uint64_t run_seed, std::string_view question_id, std::string_view scenario,
             std::string_view mechanism, double eps, uint64_t repeat);

}  // namespace privqa
