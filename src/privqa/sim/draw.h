// Deterministic random draws for the simulator. A Draw is seeded by hashing a
// tuple of parts (seed, model, request body, choice index, purpose), so every
// simulated decision is a pure function of what the request said, never of
// arrival order or concurrency.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace privqa::sim {

class Draw {
 public:
  Draw() = default;
  // Appends one part of the key; parts are length-prefixed, so ("ab","c") != ("a","bc").
  Draw& with(std::string_view part);
  Draw& with(uint64_t part);

  uint64_t next_u64();         // splitmix64 over the hash of the key
  double uniform();            // in [0, 1)
  uint64_t below(uint64_t n);  // in [0, n); n > 0
  double normal();             // standard normal (Box-Muller)
  bool chance(double p) { return uniform() < p; }

 private:
  std::string key_;
  bool started_ = false;
  uint64_t state_ = 0;
};

}  // namespace privqa::sim
