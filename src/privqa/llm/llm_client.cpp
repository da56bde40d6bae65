#include "privqa/llm/llm_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <utility>

#include "privqa/base/event.h"
#include "privqa/base/strings.h"
#include "privqa/llm/adaptive_concurrency.h"
#include "privqa/llm/latency_tracker.h"
#include "privqa/llm/rate_limit_share.h"
#include "privqa/llm/retry_hint.h"
#include "privqa/llm/token_bucket.h"

namespace privqa {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1e3)));
}

// 429s in more than this share of the recent replies mean the client sends
// faster than the provider's limit (the configured rpm is too high, or there
// is none to keep to). Transient 429s (a provider refusing under its own
// load, or a fault) stay well below it: each delays only its own request.
constexpr double kOverLimitShare = 0.1;

// The replies that share is taken over. Failures come back at once and
// answers only after their latency, so the first replies of a burst are
// mostly the failures: over 64 replies, the 1.7% of injected 429s of the
// end-to-end benchmark's 10% faults read as over 10% at the start of 4 of 6
// runs at 20,000 rpm, halved the concurrency below what the rate needs and
// left it there. Over 256 replies they stay near 4%.
constexpr size_t kShareReplies = 256;

// Hedge delays are a multiple of this quantile of a kind's latency. A higher
// one would never be reached while a few percent of requests stall: they are
// counted as slower than any reply.
constexpr double kHedgeBaseQuantile = 0.9;

// While no request waits for admission, the provider's rate has room to
// spare, and a copy costs money but delays nothing: an attempt is then hedged
// once it has run this quantile of its kind's latency. At the end of a run
// this is what bounds a stall in one of the last requests, or two in a row.
// The same holds for an attempt whose call has more calls after it than any
// waiting request: by the precedence rule its copy goes first and delays
// only shorter chains (but see early_copies_held_until).
constexpr double kIdleHedgeQuantile = 0.5;

// Such early copies only while hedge copies of all kinds stay under this
// share of the requests sent: a run that never fills the rate would
// otherwise send a copy of every second request. (Hedging at the 95th
// percentile costs about this much: Dean and Barroso, "The Tail at Scale",
// CACM 56(2), 2013.)
constexpr double kIdleHedgeShare = 0.05;
// Except at the end of a backlog: once no new call has been admitted for
// hedge_min_delay and none waits, the calls begun by the time the
// provider's limits last held calls back are its last, and the slowest of them
// decide when the run (or its current wave of calls) ends. Their attempts
// (retries too) are then hedged after the median whatever the share: the
// rate is spare, and the share, spent on stragglers mid-run that ended long
// before, would leave them the loaded delay (at 100 questions of the high
// setting, the run took 7.6 s instead of 5.8 s). Calls begun after the last
// backlog (a client that sends one call at a time) stay within the share.

// Copies of one attempt at most (the request and its hedges): each goes when
// the one before has run the hedge delay, so two stalls in a row still do not
// cost a timeout, while a provider slow for every request gets at most this
// many times the load.
constexpr size_t kMaxCopies = 3;
// ... and while every waiting request has fewer calls after it than the
// attempt's call (a copy then delays only shorter chains; at the end of a
// run, nobody), up to this many: three stalls in a row of one attempt (at
// 1.7% stalls, one attempt in 200,000) then do not cost one of the last
// questions a whole timeout.
constexpr size_t kMaxUnhinderedCopies = 5;

// Attempts failing as a down provider's do (says_provider_is_down), all
// sent since the provider last answered, that open the breaker: calls then
// wait instead of spending their attempts, while one probe at a time tries
// the provider. At 20% faults of every kind, eight in a row come once in
// 390,000 attempts, so a flaky provider keeps working and a dead one costs a
// burst and a few probes. Attempts sent before the last answer do not count:
// stalls of one burst time out together, while the provider answers others.
constexpr int kBreakerFailures = 8;
// The wait before the first probe, doubling after each failed one up to the
// longest.
constexpr std::chrono::milliseconds kFirstProbeGap{1000};
constexpr std::chrono::milliseconds kLongestProbeGap{30'000};

// Attempts failing in a row as a down provider's do, all sent since the
// replica last answered, that take a replica of several out of rotation
// (probed after the gaps above). Fewer than the breaker's: the other
// replicas take its share at once.
constexpr int kReplicaFailures = 3;

// The shortest interval at which a waiting attempt checks whether it is due
// for a hedge copy while its kind's latency quantile is not yet known.
constexpr std::chrono::milliseconds kHedgeRecheckFloor{10};

// Buckets hold `burst_seconds` of budget (by default half a second), so the
// configured per-minute rate is followed smoothly rather than spent in one
// burst at the start of a minute, and requests that network jitter bunches
// together still fit the provider's own burst allowance (commonly a second's
// worth or more).
// `share` of the limit is this client's (set_limit_share).
double bucket_rate(double per_minute, double share) {
  return per_minute * share / 60.0;
}
double bucket_capacity(double per_second, double burst_seconds) {
  return std::max(1.0, per_second * burst_seconds);
}
std::optional<TokenBucket> per_minute_bucket(double per_minute, double share,
                                             double burst_seconds) {
  if (per_minute <= 0) return std::nullopt;
  const double per_second = bucket_rate(per_minute, share);
  return TokenBucket(per_second, bucket_capacity(per_second, burst_seconds), Clock::now());
}

// A wait for admission after which a call looks in the response cache
// again before sending: long enough that the lookup costs little beside it.
constexpr double kCacheRecheckAfter = 0.05;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

asio::awaitable<void> sleep_for(Clock::duration delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

std::string join_url(std::string_view base, std::string_view path) {
  while (base.ends_with('/'))
    base.remove_suffix(1);
  return std::string(base) + std::string(path);
}

}  // namespace

double estimate_chat_tokens(const ChatRequest& request, int assumed_completion_tokens) {
  double chars = 0;
  for (const ChatMessage& m : request.messages)
    chars += static_cast<double>(m.content.size()) + 16;
  const int choices = request.n.value_or(1);
  return chars / 4.0 +
         static_cast<double>(request.max_tokens.value_or(assumed_completion_tokens)) * choices;
}

std::string describe_replicas(const ProviderCounters& counters) {
  if (counters.replicas.size() < 2) return "";
  std::string out = "replicas";
  for (size_t i = 0; i < counters.replicas.size(); ++i) {
    const ReplicaCounters& r = counters.replicas[i];
    out += fmt::format("{} {}: {} req", i == 0 ? "" : ";", i + 1, r.requests);
    if (r.failed > 0) out += fmt::format(", {} failed", r.failed);
    if (r.out) out += ", out";
  }
  return out;
}

namespace {

// The key of an "Authorization: Bearer KEY" header, "" when there is none.
std::string api_key_of(const std::vector<std::pair<std::string, std::string>>& headers) {
  constexpr std::string_view kBearer = "Bearer ";
  for (const auto& [name, value] : headers) {
    if (name == "Authorization" && value.starts_with(kBearer)) return value.substr(kBearer.size());
  }
  return "";
}

}  // namespace

class LlmClient::Impl {
 public:
  Impl(HttpEngine& engine, ProviderConfig config, ResponseCache* cache, ClientOptions options,
       std::vector<std::pair<std::string, std::string>> headers)
      : engine_(engine),
        config_(std::move(config)),
        cache_(cache),
        options_(options),
        headers_(std::move(headers)),
        api_key_(api_key_of(headers_)),
        rpm_(per_minute_bucket(config_.rpm, 1.0, config_.burst_seconds)),
        tpm_(per_minute_bucket(config_.tpm, 1.0, config_.burst_seconds)),
        concurrency_(config_.min_in_flight, config_.max_in_flight),
        backoff_base_(to_ms(config_.backoff_seconds)),
        backoff_cap_(to_ms(config_.backoff_cap_seconds)),
        pump_timer_(engine.context()),
        jitter_(std::random_device{}()) {
    std::vector<ReplicaConfig> replicas = config_.replicas;
    if (replicas.empty()) replicas.push_back({config_.base_url, 0});
    for (const ReplicaConfig& r : replicas) {
      replicas_.push_back(
          {r.base_url, r.max_in_flight > 0 ? r.max_in_flight : config_.max_in_flight});
      counters_.replicas.push_back({.base_url = r.base_url});
    }
  }

  // `text` from the server with every copy of the API key replaced by
  // "[redacted]": error messages reach the store, the output and the report.
  std::string without_key(std::string text) const {
    return api_key_.empty() ? text : replace_all(std::move(text), api_key_, "[redacted]");
  }

  // `latency_kind` groups requests expected to take alike, for hedging.
  template <class T>
  asio::awaitable<CallOutcome<T>> call(std::string_view endpoint, std::string body, double tokens,
                                       int64_t latency_kind, CallOptions options,
                                       std::function<Result<T>(std::string_view)> decode);

  void set_debug_sink(std::function<void(std::string_view)> sink) { debug_ = std::move(sink); }
  const ProviderConfig& config() const { return config_; }
  void set_limit_share(double share);
  void set_last_stretch();
  int longest_waiting_chain() const { return waiting_level(); }
  // The attempts under way look again at their hedge delay.
  void wake_unsettled();
  const ProviderCounters& counters() const { return counters_; }
  int concurrency_limit() const { return concurrency_.limit(); }
  const ClientOptions& options() const { return options_; }

 private:
  enum class Admission { kAdmitted, kProbe, kRefused };
  static constexpr size_t kNoReplica = static_cast<size_t>(-1);
  // What admission gave a request: the replica to send it to, and whether
  // it probes that replica (out of rotation).
  struct Admitted {
    Admission how = Admission::kRefused;
    size_t replica = 0;
    bool replica_probe = false;
  };
  struct Waiter {
    double tokens;
    Event wake;
    bool hedge_copy = false;  // never a probe; refused while the breaker is open
    bool admitted = false;
    bool probe = false;  // admitted as the one attempt that tries a down provider
    size_t replica = 0;
    bool replica_probe = false;
    size_t avoid_replica = kNoReplica;  // the replica of the attempt's last copy
    bool new_call = false;              // a call's first attempt
  };

  // A replica's load and health (its counters are in counters_.replicas).
  struct Replica {
    std::string base_url;
    int max_in_flight;
    int failed_in_a_row = 0;
    Clock::time_point last_answer{};
    bool probing = false;
    Clock::time_point next_probe{};
    std::chrono::milliseconds probe_gap = kFirstProbeGap;
  };

  // A call sending a request that other calls with the identical request
  // (the same cache key) wait for: its answer is theirs, as if from the
  // cache.
  struct Lead {
    explicit Lead(asio::io_context& io) : done(io.get_executor()) {}
    Event done;  // notified when the call ends
    bool finished = false;
    std::optional<std::string> body;  // the answer's body, when it succeeded
  };

  // The copies of one attempt: the request and its hedge copies.
  struct Race {
    explicit Race(asio::io_context& io) : settled(io.get_executor()) {}
    struct Copy {
      HttpEngine::TransferId id;
      LatencyTracker::Ticket ticket;
      Clock::time_point sent;
      bool running;
      Admitted admitted;  // its replica
    };
    std::vector<Copy> copies;
    std::optional<HttpResponse> reply;  // the attempt's outcome, once known
    size_t replied = 0;                 // the copy that replied
    Event settled;                      // notified when `reply` is set
    // Whether a 2xx reply decodes; unset once the call no longer waits.
    std::function<bool(const HttpResponse&)> decodes;
    bool failure_outlived = false;  // a copy's failure left the others running
  };
  // An attempt's reply and the copy of it that brought it.
  struct Reply {
    HttpResponse response;
    Clock::time_point sent;
    Admitted admitted;
  };

  // Which waiting request goes first: more calls after it, then the call
  // that began first, so a retry or a hedge copy goes before the calls that
  // came after its own and a fault near the end of a run does not wait
  // behind the whole queue again.
  struct Precedence {
    int calls_after;
    Clock::time_point call_began;
    bool operator<(const Precedence& o) const {
      if (calls_after != o.calls_after) return calls_after > o.calls_after;
      return call_began < o.call_began;
    }
  };

  // Waits for a slot and the rate budget, and while the breaker is open for
  // its turn to probe. Refused (holding no slot) once the provider is out of
  // quota or given up, and a hedge copy while the breaker is open.
  // `avoid_replica`: a retry's or hedge copy's replica goes last in the choice.
  asio::awaitable<Admitted> admit(double tokens, Precedence precedence, bool hedge_copy = false,
                                  size_t avoid_replica = kNoReplica, bool retry = false);
  bool refusing() const { return out_of_quota_ || given_up_; }
  // Counts an attempt's reply for the breaker: whether it failed as a down
  // provider's attempts do, and whether it was the probe.
  void note_attempt(bool provider_failed, bool probe, Clock::time_point sent_at,
                    const std::string& message);
  // Ends every call waiting now or later: the provider failed every attempt
  // for give_up_after.
  void give_up();
  // Gives back an admitted request's slot (it was not sent).
  void release_slot(const Admitted& admitted);
  // A copy sent to the replica is over (answered, failed or cancelled).
  void end_copy(const Admitted& admitted);
  // The replica for the request pump() admits next: a replica out of
  // rotation whose probe is due, else the least loaded in rotation with
  // room, `avoid` last; nullopt when none has room (`wake`: when a probe
  // falls due).
  std::optional<Admitted> pick_replica(Clock::time_point now, size_t avoid,
                                       std::optional<Clock::time_point>& wake);
  // Counts an attempt's reply for its replica's health.
  void note_replica(const Reply& reply, bool provider_failed);
  // Several replicas, and at least one of them in rotation.
  bool some_replica_in_rotation() const {
    return replicas_.size() > 1 && std::any_of(counters_.replicas.begin(), counters_.replicas.end(),
                                               [](const ReplicaCounters& r) { return !r.out; });
  }
  // Sends an admitted request to endpoint `path` and hedges it; the first
  // reply of any copy.
  asio::awaitable<Reply> send_hedged(const HttpRequest& request, std::string_view path,
                                     Admitted admitted, double tokens, int64_t latency_kind,
                                     Precedence precedence,
                                     std::function<bool(const HttpResponse&)> decodes);
  // Whether copy `index`'s failed `response` leaves the attempt to the other
  // copies still running instead of settling it: once per attempt, for a
  // failure a retry would follow (is_retryable: a broken connection, a
  // timeout, a 429, a 5xx, a 2xx body that does not decode). Settling
  // cancelled copies about to answer: at 500 questions of the high setting
  // with 10% faults, a CoT's copy 0.2 s from its reply, and the run ended
  // 1.3 s later. A 429 or a 503
  // settled it too, so the call would back off; but a copy already admitted
  // costs the provider nothing more, while its retry costs a request.
  bool outlives_failure(const Race& race, size_t index, const HttpResponse& response) const;
  // Records a failed attempt's word on the rate: whether the provider
  // refused it (429) for a request sent at `sent_at`; `hint`, the wait it
  // asked for.
  void note_rate_verdict(bool rate_limited, Clock::time_point sent_at,
                         std::optional<std::chrono::milliseconds> hint);
  void start_copy(const std::shared_ptr<Race>& race, const HttpRequest& request,
                  std::string_view path, Admitted admitted, int64_t latency_kind);
  // How long an attempt of `kind`, of a call with `precedence`, runs before
  // it is hedged; nullopt: not (yet). Sets `look_again` when an early copy
  // waits only for the backlog to shorten: when it will have.
  std::optional<Clock::duration> hedge_delay(int64_t kind, Precedence precedence,
                                             Clock::time_point now, Clock::time_point* look_again);
  // True while attempts of a call with `precedence` may be hedged early
  // (kIdleHedgeQuantile): every request waiting but hedge copies has fewer
  // calls after it than the call, so a copy delays only shorter chains than
  // its own, and copies (those waiting included) are within kIdleHedgeShare
  // or the call began by the end of a backlog that has drained.
  bool idle_hedging(Precedence precedence, Clock::time_point now) const;
  // While requests wait, an early copy takes one's place, which a run bound
  // by the provider's limits pays at its end; it buys nothing unless the
  // straggler's chain would end after the backlog's last call. So it waits
  // (until the time returned) for hedge_min_delay without a new call with
  // `calls_after` or more: until then, newer chains as long end after the
  // straggler's anyway. And it waits while the backlog lasts longer than
  // the `loaded` delay: the straggler's chain ends before the backlog does,
  // through a copy after the loaded delay if need be. (At 2,000 questions
  // of the default setting, copies at 5% of the remote's requests made the
  // run 3.3 s longer, 5%.)
  // `median` is the attempt's kind's median latency.
  Clock::time_point early_copies_held_until(int calls_after, double median,
                                            std::optional<double> loaded, Clock::time_point now);
  // When a new call with at least `min_calls_after` calls after it was last
  // admitted.
  Clock::time_point last_call_admitted(int min_calls_after) const;
  // How long the requests waiting now (hedge copies aside) take to be
  // admitted: at the rpm, or at what the concurrency limit lets through if
  // that is slower (the waiting ones taking `median` each, that of the
  // attempt's kind).
  double backlog_seconds(double median) const;
  // True once the last backlog has drained: no call waits, and no new call
  // has been admitted for hedge_min_delay.
  bool drained(Clock::time_point now) const;
  // The most calls after any request waiting for admission, hedge copies
  // aside; kNoneWaiting when none waits.
  int waiting_level() const;
  static constexpr int kNoneWaiting = -1;
  void pump();
  // Admits what the concurrency limit and the rate budget allow.
  void admit_waiting(Clock::time_point now);
  // Admission of a new call waits for the calls started in the same turn of
  // the event loop (e.g. every cell of a question), so precedence decides
  // between all of them rather than the first comers taking the budget.
  void pump_after_this_turn();
  void wake_pump_at(Clock::time_point when);
  // Without a configured rpm or tpm, the limits a provider states in
  // x-ratelimit-limit-requests / -tokens (per minute, as OpenAI's and most
  // compatible providers' do) set the buckets, from the first reply on.
  void learn_limits(const HttpResponse& response);
  void note_cache_error(const Error& error) {
    ++counters_.cache_errors;
    counters_.cache_error = error.message();
  }

  HttpEngine& engine_;
  ProviderConfig config_;
  ResponseCache* cache_;
  ClientOptions options_;
  std::vector<std::pair<std::string, std::string>> headers_;  // holds the Authorization header
  std::string api_key_;                                       // "" without one
  std::optional<TokenBucket> rpm_;
  std::optional<TokenBucket> tpm_;
  double learned_rpm_ = 0, learned_tpm_ = 0;  // from the provider's headers; 0: none
  double limit_share_ = 1.0;                  // set_limit_share
  AdaptiveConcurrency concurrency_;
  std::chrono::milliseconds backoff_base_;
  std::chrono::milliseconds backoff_cap_;
  RateLimitShare recent_429s_{kShareReplies};
  LatencyTracker latencies_;
  std::multimap<Precedence, Waiter*> waiters_;
  int in_flight_ = 0;
  std::vector<Replica> replicas_;  // config_.replicas, or base_url alone
  Clock::time_point paused_until_{};
  // When the provider's first reply came (of any kind). The 429s of requests
  // sent before it are one event: a run's opening burst met the provider's
  // own allowance, which says nothing yet about the configured rate.
  std::optional<Clock::time_point> first_reply_;
  bool opening_429_recorded_ = false;
  // Set by the first quota failure: the account is out of credit, so calls
  // waiting and later fail at once without a request.
  std::optional<std::string> out_of_quota_;
  std::map<std::string, std::shared_ptr<Lead>> leads_;  // by cache key
  // The breaker: attempts failed in a row as a down provider's do, since
  // when, and the last one's message; while open (since `open_since_`) one
  // probe at a time, the next not before `next_probe_`.
  int failed_in_a_row_ = 0;
  Clock::time_point last_answer_{};  // when an attempt last got a reply that is no such failure
  Clock::time_point failing_since_{};
  std::string last_failure_;
  std::optional<Clock::time_point> open_since_;
  bool probing_ = false;
  Clock::time_point next_probe_{};
  std::chrono::milliseconds probe_gap_ = kFirstProbeGap;
  std::optional<std::string> given_up_;  // set by give_up(): calls fail as kDown
  asio::steady_timer pump_timer_;
  std::optional<Clock::time_point> pump_wake_;
  bool pump_posted_ = false;
  // waiting_level() when pump() last ended; when it falls, the attempts in
  // `unsettled_` look again at their hedge delay, the longest running first
  // (by when they were listed), so that they are the ones that get the
  // copies the budget allows.
  int hedge_level_ = kNoneWaiting;
  std::map<uint64_t, Race*> unsettled_;
  uint64_t next_unsettled_ = 0;
  int copies_waiting_ = 0;  // hedge copies waiting for admission
  // When a new call (retries and hedge copies aside) was last admitted, by
  // its calls_after, and when the provider's limits (rate, pause,
  // concurrency) last held calls back: a call begun by then belongs to that
  // backlog.
  std::map<int, Clock::time_point> call_admitted_;
  Clock::time_point last_backlog_{};
  Clock::time_point drain_noticed_{};  // when pump() last woke the attempts for a drain
  bool last_stretch_ = false;          // set_last_stretch
  std::mt19937_64 jitter_;
  ProviderCounters counters_;
  std::function<void(std::string_view)> debug_;
  // Expires with the client: a copy's callback that outlives it does nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

asio::awaitable<LlmClient::Impl::Admitted> LlmClient::Impl::admit(
    double tokens, Precedence precedence, bool hedge_copy, size_t avoid_replica, bool retry) {
  const auto refused = [&] { return refusing() || (hedge_copy && open_since_); };
  if (refused()) co_return Admitted{};
  Waiter waiter{tokens, Event(engine_.context().get_executor()), hedge_copy};
  waiter.avoid_replica = avoid_replica;
  waiter.new_call = !hedge_copy && !retry;
  waiters_.emplace(precedence, &waiter);  // after any waiter with the same key
  pump_after_this_turn();
  // pump() cancels the wait to admit us; a quota failure, giving up or (for
  // a hedge copy) the breaker opening, to let us go.
  while (!waiter.admitted && !refused())
    co_await waiter.wake.wait();
  if (!waiter.admitted) co_return Admitted{};  // no longer listed
  const Admitted admitted{waiter.probe ? Admission::kProbe : Admission::kAdmitted, waiter.replica,
                          waiter.replica_probe};
  if (refusing()) {  // found before we resumed
    if (waiter.probe) probing_ = false;
    release_slot(admitted);
    co_return Admitted{};
  }
  co_return admitted;
}

void LlmClient::Impl::note_attempt(bool provider_failed, bool probe, Clock::time_point sent_at,
                                   const std::string& message) {
  const Clock::time_point now = Clock::now();
  if (probe) probing_ = false;
  if (provider_failed && !probe && (sent_at < last_answer_ || some_replica_in_rotation())) {
    // Sent before the provider's last answer, or a replica is still in
    // rotation (a failing one is taken out): says nothing about the whole.
    pump();
    return;
  }
  if (!provider_failed) {
    last_answer_ = now;
    failed_in_a_row_ = 0;
    if (open_since_) {  // the provider answers again: the calls waiting go
      open_since_.reset();
      probe_gap_ = kFirstProbeGap;
    }
    pump();
    return;
  }
  if (failed_in_a_row_++ == 0) failing_since_ = now;
  last_failure_ = message;
  const Clock::time_point deadline = failing_since_ + to_ms(config_.give_up_after_seconds);
  if (!open_since_ && failed_in_a_row_ >= kBreakerFailures) {
    open_since_ = now;
    probe_gap_ = kFirstProbeGap;
    next_probe_ = std::min(now + probe_gap_, deadline);
    // Hedge copies waiting would only add load: their attempts go on alone.
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (!it->second->hedge_copy) {
        ++it;
        continue;
      }
      it->second->wake.notify();
      it = waiters_.erase(it);
    }
  } else if (open_since_ && probe) {
    probe_gap_ = std::min(probe_gap_ * 2, kLongestProbeGap);
    next_probe_ = std::min(now + probe_gap_, deadline);
  }
  pump();
}

void LlmClient::Impl::give_up() {
  given_up_ = fmt::format(
      "provider {} failed every attempt for {:.0f} s (give_up_after); the last failure: {}",
      config_.name, std::chrono::duration<double>(Clock::now() - failing_since_).count(),
      last_failure_);
  for (auto& waiting : waiters_)
    waiting.second->wake.notify();
  waiters_.clear();
}

void LlmClient::Impl::learn_limits(const HttpResponse& response) {
  const auto learn = [&](const char* header, double configured, double& learned,
                         std::optional<TokenBucket>& bucket) {
    const std::string* value = response.header(header);
    if (configured > 0 || value == nullptr) return;
    char* end = nullptr;
    const double per_minute = std::strtod(value->c_str(), &end);
    if (end == value->c_str() || *end != '\0' || !(per_minute > 0) || !std::isfinite(per_minute) ||
        per_minute == learned) {
      return;
    }
    learned = per_minute;
    bucket = per_minute_bucket(per_minute, limit_share_, config_.burst_seconds);
    // Empty, not full: the requests sent before the limit was known have
    // spent the provider's allowance already.
    if (bucket) bucket->take(bucket->capacity(), Clock::now());
  };
  learn("x-ratelimit-limit-requests", config_.rpm, learned_rpm_, rpm_);
  learn("x-ratelimit-limit-tokens", config_.tpm, learned_tpm_, tpm_);
}

void LlmClient::Impl::set_last_stretch() {
  if (std::exchange(last_stretch_, true)) return;
  wake_unsettled();
}

void LlmClient::Impl::wake_unsettled() {
  for (auto& [sequence, race] : unsettled_)
    race->settled.notify();
}

void LlmClient::Impl::set_limit_share(double share) {
  if (share == limit_share_) return;
  limit_share_ = share;
  const auto resize = [&](double configured, double learned, std::optional<TokenBucket>& bucket) {
    if (!bucket) return;
    const double per_second = bucket_rate(configured > 0 ? configured : learned, share);
    bucket->set_rate(per_second, bucket_capacity(per_second, config_.burst_seconds), Clock::now());
  };
  resize(config_.rpm, learned_rpm_, rpm_);
  resize(config_.tpm, learned_tpm_, tpm_);
  // Requests waiting for the buckets were timed at the old rate.
  pump_after_this_turn();
}

void LlmClient::Impl::release_slot(const Admitted& admitted) {
  --in_flight_;
  end_copy(admitted);
  pump();
}

void LlmClient::Impl::end_copy(const Admitted& admitted) {
  --counters_.replicas[admitted.replica].in_flight;
  // A probe that brought no reply (not sent, or a hedge race lost): the
  // next request may probe again.
  if (admitted.replica_probe) replicas_[admitted.replica].probing = false;
}

std::optional<LlmClient::Impl::Admitted> LlmClient::Impl::pick_replica(
    Clock::time_point now, size_t avoid, std::optional<Clock::time_point>& wake) {
  const auto has_room = [&](size_t i) {
    return counters_.replicas[i].in_flight < replicas_[i].max_in_flight;
  };
  // Whether replica i goes before j: `avoid` after every other, then the
  // smaller share of its ceiling in flight.
  const auto before = [&](size_t i, size_t j) {
    if ((i == avoid) != (j == avoid)) return j == avoid;
    return int64_t{counters_.replicas[i].in_flight} * replicas_[j].max_in_flight <
           int64_t{counters_.replicas[j].in_flight} * replicas_[i].max_in_flight;
  };
  std::optional<size_t> best;
  bool any_in_rotation = false;
  for (size_t i = 0; i < replicas_.size(); ++i) {
    const ReplicaCounters& k = counters_.replicas[i];
    if (k.out) {
      if (replicas_[i].probing || !has_room(i)) continue;
      if (now >= replicas_[i].next_probe) {
        replicas_[i].probing = true;
        return Admitted{Admission::kAdmitted, i, true};
      }
      if (!wake || replicas_[i].next_probe < *wake) wake = replicas_[i].next_probe;
      continue;
    }
    any_in_rotation = true;
    if (has_room(i) && (!best || before(i, *best))) best = i;
  }
  if (!any_in_rotation) {
    // Every replica is out: they are one provider again, and the breaker
    // decides whether it is down.
    for (size_t i = 0; i < replicas_.size(); ++i) {
      if (has_room(i) && (!best || before(i, *best))) best = i;
    }
  }
  if (!best) return std::nullopt;
  return Admitted{Admission::kAdmitted, *best, false};
}

void LlmClient::Impl::note_replica(const Reply& reply, bool provider_failed) {
  Replica& r = replicas_[reply.admitted.replica];
  ReplicaCounters& k = counters_.replicas[reply.admitted.replica];
  const Clock::time_point now = Clock::now();
  if (reply.admitted.replica_probe) r.probing = false;
  if (!provider_failed) {
    r.last_answer = now;
    r.failed_in_a_row = 0;
    if (k.out) {
      k.out = false;
      r.probe_gap = kFirstProbeGap;
    }
    return;
  }
  ++k.failed;
  // Sent before the replica's last answer: says nothing new (as for the breaker).
  if (reply.sent < r.last_answer && !reply.admitted.replica_probe) return;
  ++r.failed_in_a_row;
  if (replicas_.size() < 2) return;  // the breaker alone decides for one server
  if (!k.out && r.failed_in_a_row >= kReplicaFailures) {
    k.out = true;
    ++k.taken_out;
    r.probe_gap = kFirstProbeGap;
    r.next_probe = now + r.probe_gap;
  } else if (k.out && reply.admitted.replica_probe) {
    r.probe_gap = std::min(r.probe_gap * 2, kLongestProbeGap);
    r.next_probe = now + r.probe_gap;
  }
}

void LlmClient::Impl::pump() {
  const Clock::time_point now = Clock::now();
  admit_waiting(now);
  const int level = waiting_level();
  if (level < hedge_level_ && idle_hedging({hedge_level_, Clock::time_point::min()}, now)) {
    wake_unsettled();
  }
  hedge_level_ = level;
  // Once per backlog, when the quiet after its last call has passed, the
  // attempts look again at their hedge delay.
  if (level == kNoneWaiting && last_backlog_ > drain_noticed_) {
    if (drained(now)) {
      drain_noticed_ = now;
      wake_unsettled();
    } else {
      wake_pump_at(last_call_admitted(std::numeric_limits<int>::min()) +
                   to_ms(config_.hedge_min_delay_seconds));
    }
  }
}

void LlmClient::Impl::admit_waiting(Clock::time_point now) {
  // The provider's limits hold calls back: those waiting are in a backlog.
  const auto held_back = [&] {
    if (waiting_level() != kNoneWaiting) last_backlog_ = now;
  };
  while (!waiters_.empty()) {
    if (in_flight_ >= concurrency_.limit()) {
      held_back();
      return;
    }
    const auto [precedence, next] = *waiters_.begin();
    if (open_since_) {
      // The provider is down: one probe at a time, when it is due.
      if (probing_) {
        return;
      }
      if (now - failing_since_ >= to_ms(config_.give_up_after_seconds)) {
        give_up();
        return;
      }
      if (now < next_probe_) {
        wake_pump_at(next_probe_);
        return;
      }
    }
    Clock::duration wait = paused_until_ > now ? paused_until_ - now : Clock::duration::zero();
    if (rpm_) wait = std::max(wait, rpm_->wait_time(1, now));
    if (tpm_) wait = std::max(wait, tpm_->wait_time(next->tokens, now));
    if (wait > Clock::duration::zero()) {
      held_back();
      wake_pump_at(now + wait);
      return;
    }
    std::optional<Clock::time_point> probe_due;
    const std::optional<Admitted> replica = pick_replica(now, next->avoid_replica, probe_due);
    if (!replica) {  // every replica is at its ceiling: a reply calls pump() again
      held_back();
      if (probe_due) wake_pump_at(*probe_due);
      return;
    }
    if (rpm_) rpm_->take(1, now);
    if (tpm_) tpm_->take(next->tokens, now);
    ++in_flight_;
    ++counters_.replicas[replica->replica].in_flight;
    waiters_.erase(waiters_.begin());
    next->replica = replica->replica;
    next->replica_probe = replica->replica_probe;
    next->admitted = true;
    if (next->new_call) call_admitted_[precedence.calls_after] = now;
    if (open_since_) {
      next->probe = true;
      probing_ = true;
    }
    next->wake.notify();
  }
}

void LlmClient::Impl::pump_after_this_turn() {
  if (pump_posted_) return;
  pump_posted_ = true;
  asio::post(engine_.context(), [this, alive = std::weak_ptr<int>(alive_)] {
    if (alive.expired()) return;
    pump_posted_ = false;
    pump();
  });
}

void LlmClient::Impl::wake_pump_at(Clock::time_point when) {
  if (pump_wake_ && *pump_wake_ <= when) return;  // an earlier wake-up is already set
  pump_wake_ = when;
  pump_timer_.expires_at(when);
  pump_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed or destroyed
    pump_wake_.reset();
    pump();
  });
}

int LlmClient::Impl::waiting_level() const {
  for (const auto& [precedence, waiter] : waiters_) {  // most calls after first
    if (!waiter->hedge_copy) return precedence.calls_after;
  }
  return kNoneWaiting;
}

bool LlmClient::Impl::idle_hedging(Precedence precedence, Clock::time_point now) const {
  if (waiting_level() >= precedence.calls_after || paused_until_ > now) return false;
  if (last_stretch_ || (precedence.call_began <= last_backlog_ && drained(now))) return true;
  return static_cast<double>(counters_.hedges + copies_waiting_ + 1) <=
         kIdleHedgeShare * static_cast<double>(counters_.requests);
}

bool LlmClient::Impl::drained(Clock::time_point now) const {
  return waiting_level() == kNoneWaiting &&
         now - last_call_admitted(std::numeric_limits<int>::min()) >=
             to_ms(config_.hedge_min_delay_seconds);
}

std::optional<Clock::duration> LlmClient::Impl::hedge_delay(int64_t kind, Precedence precedence,
                                                            Clock::time_point now,
                                                            Clock::time_point* look_again) {
  const std::optional<double> p90 = latencies_.quantile(kind, kHedgeBaseQuantile, now);
  const std::optional<double> loaded =
      p90 ? std::optional(config_.hedge_after * *p90) : std::nullopt;
  if (idle_hedging(precedence, now)) {
    if (const std::optional<double> p50 = latencies_.quantile(kind, kIdleHedgeQuantile, now)) {
      const Clock::time_point held_until =
          early_copies_held_until(precedence.calls_after, *p50, loaded, now);
      if (held_until <= now) return to_ms(std::max(*p50, config_.hedge_min_delay_seconds));
      *look_again = held_until;
    }
  }
  if (!loaded) return std::nullopt;
  return to_ms(std::max(*loaded, config_.hedge_min_delay_seconds));
}

Clock::time_point LlmClient::Impl::early_copies_held_until(int calls_after, double median,
                                                           std::optional<double> loaded,
                                                           Clock::time_point now) {
  if (waiting_level() == kNoneWaiting) return now;
  const Clock::time_point quiet =
      last_call_admitted(calls_after) + to_ms(config_.hedge_min_delay_seconds);
  if (quiet > now) return quiet;
  if (!loaded) return now;
  const double backlog = backlog_seconds(median);
  return backlog < *loaded ? now : now + std::max(to_ms(backlog - *loaded), kHedgeRecheckFloor);
}

Clock::time_point LlmClient::Impl::last_call_admitted(int min_calls_after) const {
  Clock::time_point last{};
  for (auto it = call_admitted_.lower_bound(min_calls_after); it != call_admitted_.end(); ++it)
    last = std::max(last, it->second);
  return last;
}

double LlmClient::Impl::backlog_seconds(double median) const {
  const auto waiting = static_cast<double>(waiters_.size()) - copies_waiting_;
  if (waiting <= 0) return 0;
  // The concurrency limit admits limit / latency requests a second (Little's law).
  const double by_concurrency = waiting * median / concurrency_.limit();
  return rpm_ && rpm_->rate() > 0 ? std::max(waiting / rpm_->rate(), by_concurrency)
                                  : by_concurrency;
}

void LlmClient::Impl::start_copy(const std::shared_ptr<Race>& race, const HttpRequest& request,
                                 std::string_view path, Admitted admitted, int64_t latency_kind) {
  HttpRequest sent = request;
  sent.url = join_url(replicas_[admitted.replica].base_url, path);
  if (debug_) debug_(describe_request(sent));
  ++counters_.replicas[admitted.replica].requests;
  const size_t index = race->copies.size();
  const Clock::time_point now = Clock::now();
  race->copies.push_back({0, latencies_.start(latency_kind, now), now, true, admitted});
  race->copies[index].id =
      engine_.start(std::move(sent),
                    [this, race, index, alive = std::weak_ptr<int>(alive_)](HttpResponse response) {
                      if (alive.expired()) return;
                      --in_flight_;
                      Race::Copy& copy = race->copies[index];
                      copy.running = false;
                      const bool success = response.transport == TransportError::kNone &&
                                           response.status >= 200 && response.status < 300;
                      latencies_.finish(copy.ticket, Clock::now(), success);
                      if (!first_reply_) first_reply_ = Clock::now();
                      if (!race->reply && outlives_failure(*race, index, response)) {
                        race->failure_outlived = true;
                        // A 429 still tells of the rate, though the copies still
                        // running answer the call.
                        if (response.status == 429) {
                          note_rate_verdict(true, copy.sent,
                                            retry_hint(response, std::chrono::system_clock::now()));
                        }
                        end_copy(copy.admitted);
                        race->settled.notify();  // a copy may be due now
                      } else if (!race->reply) {
                        // The first reply settles the attempt, a failure too (but see
                        // outlives_failure): the copies still running are overdue, and a
                        // retry does better than waiting.
                        // The reply's replica: note_replica gives its probe's verdict.
                        --counters_.replicas[copy.admitted.replica].in_flight;
                        race->reply = std::move(response);
                        race->replied = index;
                        for (Race::Copy& other : race->copies) {
                          if (other.running && engine_.cancel(other.id)) {
                            other.running = false;
                            --in_flight_;
                            end_copy(other.admitted);
                            latencies_.finish(other.ticket, Clock::now(), false);
                          }
                        }
                        race->settled.notify();
                      } else {
                        end_copy(copy.admitted);  // a late reply: no verdict on its replica
                      }
                      pump();
                    });
}

bool LlmClient::Impl::outlives_failure(const Race& race, size_t index,
                                       const HttpResponse& response) const {
  if (race.failure_outlived || !race.decodes) return false;
  bool others_running = false;
  for (size_t i = 0; i < race.copies.size(); ++i)
    others_running = others_running || (i != index && race.copies[i].running);
  if (!others_running) return false;
  if (response.transport != TransportError::kNone)
    return is_retryable(classify_transport(response.transport));
  if (response.status >= 200 && response.status < 300) return !race.decodes(response);  // kDecode
  return is_retryable(classify_status(response.status, decode_provider_error(response.body)));
}

void LlmClient::Impl::note_rate_verdict(bool rate_limited, Clock::time_point sent_at,
                                        std::optional<std::chrono::milliseconds> hint) {
  if (rate_limited) ++counters_.rate_limited;
  const bool in_opening = rate_limited && sent_at < *first_reply_;
  if (!in_opening || !opening_429_recorded_) recent_429s_.record(rate_limited);
  opening_429_recorded_ = opening_429_recorded_ || in_opening;
  // Only a share of 429s above kOverLimitShare says the client sends too
  // fast (its rpm, configured or learned, is too high, or it has none):
  // the concurrency limit is cut and every call waits for the hint.
  if (rate_limited && recent_429s_.share() > kOverLimitShare) {
    const Clock::time_point now = Clock::now();
    concurrency_.on_rate_limited(sent_at, now);
    if (hint) paused_until_ = std::max(paused_until_, now + *hint);  // for every call
  }
}

asio::awaitable<LlmClient::Impl::Reply> LlmClient::Impl::send_hedged(
    const HttpRequest& request, std::string_view path, Admitted admitted, double tokens,
    int64_t latency_kind, Precedence precedence, std::function<bool(const HttpResponse&)> decodes) {
  auto race = std::make_shared<Race>(engine_.context());
  race->decodes = std::move(decodes);
  start_copy(race, request, path, admitted, latency_kind);
  // Listed while unsettled, however the coroutine ends (its frame may be
  // destroyed mid-wait, after the client).
  struct Listing {
    Impl* impl;
    Race* race;
    uint64_t sequence;
    std::weak_ptr<int> alive;
    ~Listing() {
      race->decodes = nullptr;  // it refers to the call's frame
      if (!alive.expired()) impl->unsettled_.erase(sequence);
    }
  } listing{this, race.get(), next_unsettled_++, alive_};
  unsettled_.emplace(listing.sequence, race.get());
  // Until the kind's latency quantile is known (early in a burst), look again
  // every hedge_min_delay.
  const auto recheck = std::max(to_ms(config_.hedge_min_delay_seconds), kHedgeRecheckFloor);
  while (!race->reply) {
    const Clock::time_point now = Clock::now();
    const size_t max_copies =
        waiting_level() < precedence.calls_after ? kMaxUnhinderedCopies : kMaxCopies;
    const bool may_hedge =
        config_.hedge_after > 0 && race->copies.size() < max_copies && !refusing() && !open_since_;
    Clock::time_point look_again = Clock::time_point::max();
    const std::optional<Clock::duration> delay =
        may_hedge ? hedge_delay(latency_kind, precedence, now, &look_again) : std::nullopt;
    // A copy goes when the newest one still running has run the hedge delay.
    Clock::time_point newest{};
    for (const Race::Copy& copy : race->copies)
      newest = copy.running ? std::max(newest, copy.sent) : newest;
    const Clock::time_point due = delay ? newest + *delay : now + recheck;
    if (delay && now >= due) {
      ++copies_waiting_;
      const Admitted copy = co_await admit(tokens, precedence, /*hedge_copy=*/true,
                                           race->copies.back().admitted.replica);
      --copies_waiting_;
      if (copy.how == Admission::kRefused) continue;  // out of quota or down: no more copies
      if (race->reply) {                              // answered while the copy waited
        release_slot(copy);
        continue;
      }
      ++counters_.requests;
      ++counters_.hedges;
      start_copy(race, request, path, copy, latency_kind);
      continue;
    }
    co_await race->settled.wait_until(may_hedge ? std::min(due, look_again)
                                                : Clock::time_point::max());
  }
  const Race::Copy& replied = race->copies[race->replied];
  co_return Reply{std::move(*race->reply), replied.sent, replied.admitted};
}

template <class T>
asio::awaitable<CallOutcome<T>> LlmClient::Impl::call(
    std::string_view endpoint, std::string body, double tokens, int64_t latency_kind,
    CallOptions options, std::function<Result<T>(std::string_view)> decode) {
  ++counters_.calls;
  CallOutcome<T> outcome;
  const bool use_cache = cache_ != nullptr && options.cache != CacheMode::kBypass;
  std::string key;
  if (use_cache) {
    key = ResponseCache::key(config_.base_url, config_.model, endpoint, body, options.sample_index);
  }
  // Answers the call from the cache when it holds the request's answer (an
  // undecodable entry is treated as a miss, and replaced).
  const auto answered_from_cache = [&]() {
    if (!use_cache || options.cache != CacheMode::kUse) return false;
    Result<std::optional<std::string>> hit = cache_->get(key);
    if (!hit.ok()) note_cache_error(hit.error());
    if (!hit.ok() || !hit.value()) return false;
    Result<T> decoded = decode(*hit.value());
    if (!decoded.ok()) return false;
    ++counters_.cache_hits;
    outcome.result = std::move(decoded);
    outcome.from_cache = true;
    return true;
  };
  if (answered_from_cache()) co_return outcome;

  // Identical requests in flight are sent once: a call whose request is on
  // its way waits for that answer. (If that call fails, this one tries on
  // its own.)
  std::shared_ptr<Lead> lead;
  if (use_cache && options.cache == CacheMode::kUse) {
    for (auto it = leads_.find(key); it != leads_.end(); it = leads_.find(key)) {
      const std::shared_ptr<Lead> other = it->second;
      while (!other->finished)
        co_await other->done.wait();
      if (!other->body) continue;
      Result<T> decoded = decode(*other->body);
      if (!decoded.ok()) continue;
      ++counters_.cache_hits;
      outcome.result = std::move(decoded);
      outcome.from_cache = true;
      co_return outcome;
    }
    lead = std::make_shared<Lead>(engine_.context());
    leads_.emplace(key, lead);
  }
  // However this call ends, the calls waiting for it go on.
  struct EndLead {
    Impl* impl;
    const std::string& key;
    std::shared_ptr<Lead> lead;
    std::weak_ptr<int> alive;
    ~EndLead() {
      if (!lead || alive.expired()) return;
      lead->finished = true;
      impl->leads_.erase(key);
      lead->done.notify();
    }
  } end_lead{this, key, lead, alive_};

  HttpRequest request;  // its url is the replica's (start_copy)
  request.body = std::move(body);
  request.headers = headers_;
  request.timeout = to_ms(config_.timeout_seconds);

  const Precedence precedence{options.calls_after, Clock::now()};
  size_t last_replica = kNoReplica;  // a retry tries another replica first
  for (int attempt = 1;; ++attempt) {
    const Clock::time_point waiting_since = Clock::now();
    const Admitted admitted = co_await admit(tokens, precedence, false, last_replica, attempt > 1);
    const Admission admission = admitted.how;
    outcome.admission_seconds += seconds_since(waiting_since);
    if (admission == Admission::kRefused) {
      ++counters_.failures;
      if (out_of_quota_) {
        outcome.failure = FailureKind::kQuota;
        outcome.result = Error(*out_of_quota_ + " (not sent: the account is out of credit)");
      } else {
        outcome.failure = FailureKind::kDown;
        outcome.result = Error(*given_up_);
      }
      co_return outcome;
    }
    // A call that waited for admission looks in the cache again: another
    // process sharing it (a worker on the same store) may have been answered
    // the same request meanwhile. Its admission is then given back.
    if (attempt == 1 && admission == Admission::kAdmitted &&
        seconds_since(waiting_since) >= kCacheRecheckAfter && answered_from_cache()) {
      if (rpm_) rpm_->adjust(1, Clock::now());
      if (tpm_) tpm_->adjust(tokens, Clock::now());
      release_slot(admitted);
      co_return outcome;
    }
    // Attempts sent, those a down provider's breaker held included; `attempt`
    // counts only those that spend max_attempts.
    if (++outcome.attempts > 1) ++counters_.retries;
    ++counters_.requests;
    const Clock::time_point sent_at = Clock::now();
    const Reply reply =
        co_await send_hedged(request, endpoint, admitted, tokens, latency_kind, precedence,
                             [&decode](const HttpResponse& r) { return decode(r.body).ok(); });
    const HttpResponse& response = reply.response;
    last_replica = reply.admitted.replica;
    outcome.provider_seconds += seconds_since(sent_at);
    if (response.transport == TransportError::kNone) learn_limits(response);

    FailureKind kind = FailureKind::kNone;
    std::string message;
    std::optional<std::chrono::milliseconds> hint;
    if (response.transport != TransportError::kNone) {
      kind = classify_transport(response.transport);
      message = fmt::format("{}: {}", config_.name, response.error);
    } else if (response.status >= 200 && response.status < 300) {
      Result<T> decoded = decode(response.body);
      if (decoded.ok()) {
        const Usage& usage = decoded.value().usage;
        if (usage.estimated) ++counters_.estimated_usage;
        counters_.tokens_in += usage.prompt_tokens;
        counters_.tokens_out += usage.completion_tokens;
        counters_.cost += config_.cost(usage.prompt_tokens, usage.completion_tokens);
        if (tpm_ && (usage.prompt_tokens > 0 || usage.completion_tokens > 0)) {
          tpm_->adjust(tokens - static_cast<double>(usage.prompt_tokens + usage.completion_tokens),
                       Clock::now());
        }
        concurrency_.on_success();
        recent_429s_.record(false);
        note_replica(reply, false);
        note_attempt(false, admission == Admission::kProbe, sent_at, "");
        if (use_cache) {
          // A cache that cannot be written costs a re-request later, not this result.
          if (Status stored = cache_->put(key, config_.name, response.body); !stored) {
            note_cache_error(stored.error());
          }
        }
        if (lead) lead->body = response.body;
        outcome.result = std::move(decoded);
        co_return outcome;
      }
      kind = FailureKind::kDecode;
      message = without_key(decoded.error().message());
    } else {
      const ProviderError error = decode_provider_error(response.body);
      kind = classify_status(response.status, error);
      // Some servers quote the key they were sent in a 401's body.
      message = without_key(fmt::format(
          "{}: HTTP {}: {}", config_.name, response.status,
          error.message.empty() ? "\"" + body_snippet(response.body) + "\"" : error.message));
      hint = retry_hint(response, std::chrono::system_clock::now());
      if (kind == FailureKind::kQuota && !out_of_quota_) {
        out_of_quota_ = message;
        // Let every waiting call go, to fail at once.
        for (auto& waiting : waiters_)
          waiting.second->wake.notify();
        waiters_.clear();
      }
      note_rate_verdict(kind == FailureKind::kRateLimited, sent_at, hint);
    }
    const bool provider_down = says_provider_is_down(kind, response.status);
    note_replica(reply, provider_down);
    note_attempt(provider_down, admission == Admission::kProbe, sent_at, message);
    if (open_since_ && provider_down) {
      // While the provider is down a call waits for it (admission holds it
      // until a probe succeeds) without spending its attempts.
      --attempt;
      continue;
    }
    if (!is_retryable(kind) || attempt >= config_.max_attempts) {
      ++counters_.failures;
      outcome.failure = kind;
      outcome.result = Error(outcome.attempts > 1 ? fmt::format("{} (gave up after {} attempts)",
                                                                message, outcome.attempts)
                                                  : message);
      co_return outcome;
    }
    // The server's wait, plus a little jitter so waiting calls do not return
    // in lockstep; otherwise exponential backoff with full jitter.
    const auto delay = hint ? *hint + backoff_delay(1, backoff_base_, backoff_cap_, jitter_)
                            : backoff_delay(attempt, backoff_base_, backoff_cap_, jitter_);
    co_await sleep_for(delay);
  }
}

Result<std::unique_ptr<LlmClient>> LlmClient::create(HttpEngine& engine, ProviderConfig config,
                                                     ResponseCache* cache, ClientOptions options) {
  if (Status s = validate(config); !s.ok()) return s.error().wrap("provider " + config.name);
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"},
                                                              {"Accept", "application/json"}};
  if (!config.api_key_env.empty()) {
    const char* key = std::getenv(config.api_key_env.c_str());
    if (key == nullptr || *key == '\0') {
      return Error(fmt::format("provider {}: environment variable {} (api_key_env) is not set",
                               config.name, config.api_key_env));
    }
    headers.emplace_back("Authorization", std::string("Bearer ") + key);
  }
  return std::unique_ptr<LlmClient>(new LlmClient(
      std::make_unique<Impl>(engine, std::move(config), cache, options, std::move(headers))));
}

LlmClient::LlmClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

void LlmClient::set_limit_share(double share) {
  impl_->set_limit_share(share);
}

int LlmClient::longest_waiting_chain() const {
  return impl_->longest_waiting_chain();
}

void LlmClient::set_last_stretch() {
  impl_->set_last_stretch();
}
LlmClient::~LlmClient() = default;

asio::awaitable<ChatOutcome> LlmClient::chat(const ChatRequest& request, CallOptions options) {
  const ProviderConfig& config = impl_->config();
  const double tokens = estimate_chat_tokens(request, impl_->options().assumed_completion_tokens);
  std::string body = to_body(encode_chat_request(request, config.model, config.extra_body));
  // Requests with the same completion budget are expected to take alike.
  const int64_t kind =
      int64_t{request.max_tokens.value_or(impl_->options().assumed_completion_tokens)} *
      request.n.value_or(1);
  int64_t prompt_tokens = 0;  // for a reply without usage
  for (const ChatMessage& m : request.messages)
    prompt_tokens += static_cast<int64_t>(estimate_tokens(m.content));
  return impl_->call<ChatResponse>("/chat/completions", std::move(body), tokens, kind, options,
                                   [name = config.name, prompt_tokens](std::string_view b) {
                                     Result<ChatResponse> response = decode_chat_response(name, b);
                                     if (response && response->usage.estimated) {
                                       response->usage.prompt_tokens = prompt_tokens;
                                       for (const ChatChoice& choice : response->choices)
                                         response->usage.completion_tokens +=
                                             static_cast<int64_t>(estimate_tokens(choice.content));
                                     }
                                     return response;
                                   });
}

asio::awaitable<EmbeddingOutcome> LlmClient::embed(const EmbeddingRequest& request,
                                                   CallOptions options) {
  const ProviderConfig& config = impl_->config();
  double chars = 0;
  int64_t prompt_tokens = 0;  // for a reply without usage
  for (const std::string& input : request.inputs) {
    chars += static_cast<double>(input.size());
    prompt_tokens += static_cast<int64_t>(estimate_tokens(input));
  }
  std::string body = to_body(encode_embedding_request(request, config.model, config.extra_body));
  // Embedding kinds are negative: minus the number of inputs.
  const auto kind = -static_cast<int64_t>(request.inputs.size());
  return impl_->call<EmbeddingResponse>(
      "/embeddings", std::move(body), chars / 4.0, kind, options,
      [name = config.name, count = request.inputs.size(), prompt_tokens](std::string_view b) {
        Result<EmbeddingResponse> response = decode_embedding_response(name, b, count);
        if (response && response->usage.estimated) response->usage.prompt_tokens = prompt_tokens;
        return response;
      });
}

void LlmClient::set_debug_sink(std::function<void(std::string_view)> sink) {
  impl_->set_debug_sink(std::move(sink));
}
const ProviderConfig& LlmClient::config() const {
  return impl_->config();
}
const ProviderCounters& LlmClient::counters() const {
  return impl_->counters();
}
int LlmClient::concurrency_limit() const {
  return impl_->concurrency_limit();
}

}  // namespace privqa
