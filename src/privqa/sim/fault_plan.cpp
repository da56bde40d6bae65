#include "privqa/sim/fault_plan.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <utility>

#include "privqa/sim/draw.h"

namespace privqa::sim {

const char* fault_name(Fault fault) {
  switch (fault) {
    case Fault::kNone:
      return "none";
    case Fault::k429:
      return "429";
    case Fault::k500:
      return "500";
    case Fault::k503:
      return "503";
    case Fault::kReset:
      return "reset";
    case Fault::kStall:
      return "stall";
    case Fault::kMalformed:
      return "malformed";
  }
  return "?";
}

Status validate(const FaultRates& rates) {
  const std::pair<const char*, double> named[] = {
      {"429", rates.rate_429}, {"500", rates.rate_500}, {"503", rates.rate_503},
      {"reset", rates.reset},  {"stall", rates.stall},  {"malformed", rates.malformed}};
  double sum = 0;
  for (const auto& [name, rate] : named) {
    if (!(rate >= 0 && rate <= 1)) {
      return Error(fmt::format("fault rate {} = {} is not a probability in [0, 1]", name, rate));
    }
    sum += rate;
  }
  if (sum > 1 + 1e-12) return Error(fmt::format("fault rates sum to {} (more than 1)", sum));
  if (!(rates.stall_seconds >= 0)) {
    return Error(fmt::format("stall seconds = {} must be >= 0", rates.stall_seconds));
  }
  if (rates.opening_429s < 0) {
    return Error(fmt::format("opening 429s = {} must be >= 0", rates.opening_429s));
  }
  if (!(rates.retry_after_seconds >= 0)) {
    return Error(fmt::format("retry-after seconds = {} must be >= 0", rates.retry_after_seconds));
  }
  return Status::Ok();
}

Fault FaultPlan::classify(double u) const {
  const std::pair<Fault, double> order[] = {
      {Fault::k429, rates_.rate_429}, {Fault::k500, rates_.rate_500},
      {Fault::k503, rates_.rate_503}, {Fault::kReset, rates_.reset},
      {Fault::kStall, rates_.stall},  {Fault::kMalformed, rates_.malformed}};
  double edge = 0;
  for (const auto& [fault, rate] : order) {
    edge += rate;
    if (u < edge) return fault;
  }
  return Fault::kNone;
}

Fault FaultPlan::next(std::string_view path, std::string_view body) {
  const uint64_t key =
      XXH3_64bits_withSeed(body.data(), body.size(), XXH3_64bits(path.data(), path.size()));
  const uint64_t attempt = arrivals_[key]++;
  Draw draw;
  draw.with(seed_).with("fault").with(path).with(body).with(attempt);
  return classify(draw.uniform());
}

}  // namespace privqa::sim
