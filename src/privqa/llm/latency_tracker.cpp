#include "privqa/llm/latency_tracker.h"

#include <algorithm>
#include <utility>

namespace privqa {

LatencyTracker::LatencyTracker(size_t window, size_t min_events, Clock::duration refresh)
    : window_(std::max<size_t>(window, 1)),
      min_events_(std::max<size_t>(min_events, 1)),
      refresh_(refresh) {}

LatencyTracker::Ticket LatencyTracker::start(int64_t kind, Clock::time_point now) {
  Kind& k = kinds_[kind];
  if (k.ring.empty()) k.ring.resize(window_);
  const uint64_t sequence = k.next_sequence++;
  k.ring[sequence % window_] = Request{sequence, now, std::nullopt, false};
  return {kind, sequence};
}

void LatencyTracker::finish(const Ticket& ticket, Clock::time_point now, bool succeeded) {
  const auto it = kinds_.find(ticket.kind);
  if (it == kinds_.end()) return;
  Request& r = it->second.ring[ticket.sequence % window_];
  if (r.sequence != ticket.sequence) return;  // pushed out of the window by later requests
  r.ended = now;
  r.succeeded = succeeded;
}

std::optional<double> LatencyTracker::quantile(int64_t kind, double q, Clock::time_point now) {
  const auto it = kinds_.find(kind);
  if (it == kinds_.end()) return std::nullopt;
  Kind& k = it->second;
  auto cached = std::find_if(k.estimates.begin(), k.estimates.end(),
                             [q](const Kind::Estimate& e) { return e.q == q; });
  if (cached == k.estimates.end()) {
    k.estimates.push_back({q, estimate(k, q, now, min_events_), now});
    return k.estimates.back().value;
  }
  if (now - cached->computed_at >= refresh_) {
    cached->value = estimate(k, q, now, min_events_);
    cached->computed_at = now;
  }
  return cached->value;
}

std::optional<double> LatencyTracker::estimate(const Kind& kind, double q, Clock::time_point now,
                                               size_t min_events) {
  // (duration, is a latency) of every request in the window.
  std::vector<std::pair<double, bool>> times;
  times.reserve(kind.ring.size());
  size_t events = 0;
  for (const Request& r : kind.ring) {
    if (r.sequence == 0) continue;  // an unused slot
    const Clock::time_point end = r.ended.value_or(now);
    times.emplace_back(std::chrono::duration<double>(end - r.sent).count(), r.succeeded);
    events += r.succeeded ? 1 : 0;
  }
  if (events < min_events) return std::nullopt;
  // Kaplan-Meier: at each latency t, the survival estimate falls by the share
  // of requests still at risk (duration >= t) that ended there. Latencies
  // sort before censored durations equal to them, as is customary.
  std::sort(times.begin(), times.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second > b.second;
  });
  double survival = 1.0;
  auto at_risk = static_cast<double>(times.size());
  for (const auto& [duration, is_latency] : times) {
    if (is_latency) {
      survival *= 1.0 - 1.0 / at_risk;
      if (survival <= 1.0 - q + 1e-12) return duration;
    }
    at_risk -= 1.0;
  }
  return std::nullopt;
}

}  // namespace privqa
