// How long a provider's requests take, by kind of request, and their
// quantiles: the basis for deciding that an attempt has run long enough to
// send a hedge copy (see LlmClient).
//
// A kind groups requests expected to take alike (the client uses a request's
// completion budget, max_tokens x n). Each kind keeps its last `window`
// requests, finished or still in flight. Requests still in flight, failed or
// cancelled are right-censored at the time they have run, and quantiles come
// from the Kaplan-Meier estimate of the latency distribution: early in a
// burst only the fastest requests have answered, and a quantile of those
// alone would be far too low. A kind's estimate is recomputed at most once
// per `refresh` and quantile (a sort of the window).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace privqa {

class LatencyTracker {
 public:
  using Clock = std::chrono::steady_clock;
  struct Ticket {
    int64_t kind;
    uint64_t sequence;
  };

  explicit LatencyTracker(size_t window = 2048, size_t min_events = 32,
                          Clock::duration refresh = std::chrono::milliseconds(10));

  // A request of `kind` was sent at `now`.
  Ticket start(int64_t kind, Clock::time_point now);
  // It ended at `now`; `succeeded` tells whether its duration is a latency
  // (otherwise it failed or was cancelled, and is censored).
  void finish(const Ticket& ticket, Clock::time_point now, bool succeeded);

  // The q-quantile (0 < q < 1) of the kind's latency: the least observed
  // latency t with estimated P(latency > t) <= 1 - q. nullopt with fewer
  // than min_events latencies, or while the estimate does not reach 1 - q.
  std::optional<double> quantile(int64_t kind, double q, Clock::time_point now);

 private:
  struct Request {
    uint64_t sequence = 0;
    Clock::time_point sent;
    std::optional<Clock::time_point> ended;
    bool succeeded = false;
  };
  struct Kind {
    std::vector<Request> ring;
    uint64_t next_sequence = 1;
    // The last estimate of each quantile asked for (a client asks for two).
    struct Estimate {
      double q;
      std::optional<double> value;
      Clock::time_point computed_at;
    };
    std::vector<Estimate> estimates;
  };
  static std::optional<double> estimate(const Kind& kind, double q, Clock::time_point now,
                                        size_t min_events);

  size_t window_;
  size_t min_events_;
  Clock::duration refresh_;
  std::unordered_map<int64_t, Kind> kinds_;
};

}  // namespace privqa
