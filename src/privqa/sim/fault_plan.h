// Seeded fault injection. The fault of a request is drawn from a hash of
// (seed, path, body, attempt), where attempt counts earlier arrivals of the
// identical (path, body); so a run is reproducible and a retry gets a fresh draw.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "privqa/base/result.h"
#include "privqa/sim/sim_server.h"

namespace privqa::sim {

enum class Fault { kNone, k429, k500, k503, kReset, kStall, kMalformed };
const char* fault_name(Fault fault);

// Each rate in [0, 1], their sum at most 1, stall_seconds >= 0.
Status validate(const FaultRates& rates);

class FaultPlan {
 public:
  FaultPlan(const FaultRates& rates, uint64_t seed) : rates_(rates), seed_(seed) {}

  // The fault for this arrival of (path, body); counts the arrival.
  Fault next(std::string_view path, std::string_view body);

  // The fault a uniform draw u in [0, 1) maps to: rates are laid end to end in
  // the order 429, 500, 503, reset, stall, malformed.
  Fault classify(double u) const;

 private:
  FaultRates rates_;
  uint64_t seed_;
  std::unordered_map<uint64_t, uint64_t> arrivals_;  // hash of (path, body) -> count
};

}  // namespace privqa::sim
