// LlmClient: calls to one configured provider, as coroutines on the
// HttpEngine's event loop:
//
//   ChatOutcome out = co_await client.chat(request, {.sample_index = 2});
//   if (!out.result.ok() && out.failure == FailureKind::kQuota) pause_provider();
//
// Each call is answered from the ResponseCache when possible (a hit sends no
// request), or, while a call with the identical request (the same cache key)
// is in flight, from that call's answer (counted as a cache hit; if that
// call fails, the waiting one tries on its own). Otherwise it waits for admission — a slot under
// the adaptive concurrency limit, the requests-per-minute and tokens-per-minute buckets (tokens
// estimated before the call, corrected by the usage reported after) and any pause a 429 asked for —
// then sends, and retries what retry_policy.h says is retryable, up to max_attempts, with
// exponential backoff and full jitter or the server's Retry-After / x-ratelimit-reset-*. An attempt
// still unanswered after the provider's hedge_after times the 90th percentile of latency for
// requests of its kind gets a hedge copy (and a third if that one runs as long), admitted with its
// call's precedence (below); the first reply settles the attempt and the other copies are
// cancelled. (A stalled or unusually slow reply then costs about that long instead of the whole
// timeout.) Once per attempt, a failed reply that a retry would follow (a broken connection, a
// timeout, a 429, a 5xx, a body that does not decode) leaves the attempt to the copies still
// running instead (a 429 still counts against the rate); a copy goes at once if the newest of them
// has run the hedge delay. While every request waiting for admission has fewer calls after it than
// the attempt's call (none waits, or at the end of a run only the last calls of chains do), the
// copy goes after the median latency instead, as long as hedge copies stay under 5% of the requests
// sent: it delays only shorter chains, and a slow chain of thought near the end otherwise outlasts
// the run's last requests. Then an attempt may also have five copies instead of three. While
// requests wait, though, a copy takes the place of one, which a run bound by the provider's limits
// pays at its end; so the early copy waits until no new call with as many calls after it has been
// admitted for hedge_min_delay (newer chains as long would end later anyway), and for the waiting
// requests to take less than the loaded delay to admit. Once a backlog has drained (no call waits,
// and no new call, retries and copies aside, has been admitted for hedge_min_delay), the calls
// begun by its end get these early copies whatever the share: they are the provider's last, and
// their stragglers decide when the run ends. All calls get them once the caller says the run is in
// its last stretch (set_last_stretch).
//
// Waiting requests go first by the calls their cell still makes after them
// (CallOptions::calls_after), then in the order their calls began. The first
// rule is highest-level-first list scheduling: a long chain is started while
// the provider is busy anyway, and a run ends with its shortest chains
// rather than with a long one still waiting on its next step. The second
// lets retries and hedge copies go before calls that began after theirs.
// Calls started in one turn of the event loop are all waiting before the
// first of them is admitted, so these rules decide between them.
// A provider with several replicas (ProviderConfig::replicas) sends each
// admitted request to the least loaded replica in rotation (requests in
// flight over its max_in_flight; the provider's max_in_flight and rates
// bound them all together). A replica whose attempts fail 3 times in a row
// as a down provider's do is taken out of rotation; after 1 s (doubling up
// to 30 s while probes fail) one request probes it, and an answer puts it
// back. While every replica is out, they are used as one provider, with
// the breaker below.
// A 429 delays its own request. It also pauses the provider and cuts the
// concurrency limit (adaptive_concurrency.h) when 429s make up over 10% of
// the recent replies: the client sends faster than the provider allows
// (isolated 429s, a provider's transient refusals, cost only their own
// request's wait). The 429s of requests sent before the provider's first
// reply (a run's opening burst meeting the provider's own allowance) count
// as one. Without a configured rpm or tpm, the limits a provider states in
// x-ratelimit-limit-requests / -tokens (per minute) set them from its first
// reply on.
// Failures are values with a kind; a failure of one call never affects
// others, except a quota failure (out of credit): after it, calls waiting and
// later fail as kQuota at once, without a request. And a breaker: after 8
// attempts in a row fail as a down provider's do (says_provider_is_down:
// no connection, timeouts, 5xx, broken replies, 401/403/404), calls wait
// instead of spending attempts while one probe at a time (after 1 s, then
// doubling up to 30 s) tries the provider; any other reply closes it. Failing
// for give_up_after seconds, the provider is given up: calls waiting and
// later fail as kDown without a request.
//
// The API key is read from the environment variable named by the config when
// the client is created, sent only in the Authorization header, and never
// logged, cached or returned (debug output shows "[redacted]").
//
// Threading: all calls must run on the engine's io_context thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/base/asio.h"
#include "privqa/base/result.h"
#include "privqa/llm/http_engine.h"
#include "privqa/llm/openai_codec.h"
#include "privqa/llm/provider.h"
#include "privqa/llm/retry_policy.h"
#include "privqa/store/response_cache.h"

namespace privqa {

struct CallOptions {
  int sample_index = 0;  // distinguishes repeated samples of one request in the cache
  CacheMode cache = CacheMode::kUse;
  // Calls the caller's chain still makes after this one answers (e.g. 1 for
  // a chain of thought whose answer is asked next): admission precedence.
  int calls_after = 0;
};

template <class T>
struct CallOutcome {
  Result<T> result = Error("call not made");
  FailureKind failure = FailureKind::kNone;  // why `result` is an error
  int attempts = 0;                          // HTTP attempts; 0 for a cache hit
  bool from_cache = false;
  // Where the call's time went: waiting for admission (the concurrency
  // limit, the rpm/tpm buckets, a pause after 429s, a down provider's
  // breaker), and with the provider (each attempt from sending to its reply,
  // hedge copies included). The rest is backoff between attempts and waiting
  // for an identical request in flight.
  double admission_seconds = 0;
  double provider_seconds = 0;
};
using ChatOutcome = CallOutcome<ChatResponse>;
using EmbeddingOutcome = CallOutcome<EmbeddingResponse>;

// One replica's totals (ProviderConfig::replicas).
struct ReplicaCounters {
  std::string base_url;
  int64_t requests = 0;   // attempts and hedge copies sent to it
  int64_t failed = 0;     // attempts it failed as a down server does (says_provider_is_down)
  int64_t taken_out = 0;  // times it was taken out of rotation
  int in_flight = 0;
  bool out = false;  // out of rotation now: only probes go to it
};

// Running totals for one provider. Tokens and cost exclude cache hits and
// cancelled hedge copies, whose usage the provider never reports.
struct ProviderCounters {
  int64_t calls = 0;         // chat() / embed() calls
  int64_t requests = 0;      // HTTP attempts sent
  int64_t retries = 0;       // attempts after the first of a call
  int64_t hedges = 0;        // hedge copies of slow attempts (also counted in requests)
  int64_t rate_limited = 0;  // 429 responses
  int64_t failures = 0;      // calls that returned an error
  int64_t cache_hits = 0;
  // Response cache reads and writes that failed: the call went on without the
  // cache (a failed read sends the request; a failed write costs a
  // re-request in a later run). `cache_error` is the last one's message.
  int64_t cache_errors = 0;
  std::string cache_error;
  int64_t tokens_in = 0;   // prompt tokens reported by the provider
  int64_t tokens_out = 0;  // completion tokens
  // Replies without usage, whose tokens (and cost) were estimated from the
  // texts at four characters a token (estimate_tokens).
  int64_t estimated_usage = 0;
  double cost = 0;                        // from the configured prices
  std::vector<ReplicaCounters> replicas;  // one per replica (base_url alone: one)
};

// "replicas 1: 120 req; 2: 4 req, 4 failed, out": the replicas' counters
// for progress lines and summaries; "" without replicas.
std::string describe_replicas(const ProviderCounters& counters);

// Tuning that is not part of a provider's configuration.
struct ClientOptions {
  // Completion tokens assumed per choice when a request sets no max_tokens.
  int assumed_completion_tokens = 256;
};

class LlmClient {
 public:
  // Fails when the config is invalid or its api_key_env variable is unset or
  // empty. `cache` may be null (no caching); it must outlive the client.
  static Result<std::unique_ptr<LlmClient>> create(HttpEngine& engine, ProviderConfig config,
                                                   ResponseCache* cache = nullptr,
                                                   ClientOptions options = {});
  ~LlmClient();
  LlmClient(const LlmClient&) = delete;
  LlmClient& operator=(const LlmClient&) = delete;

  asio::awaitable<ChatOutcome> chat(const ChatRequest& request, CallOptions options = {});
  asio::awaitable<EmbeddingOutcome> embed(const EmbeddingRequest& request,
                                          CallOptions options = {});

  // Receives describe_request() of every attempt sent (Authorization redacted).
  void set_debug_sink(std::function<void(std::string_view)> sink);

  const ProviderConfig& config() const;
  const ProviderCounters& counters() const;
  int concurrency_limit() const;  // current adaptive limit on requests in flight
  // The fraction of the provider's rpm and tpm (configured or learned) this
  // client spends: 1 alone, 1/N as one of N live workers that share one
  // account (docs/workers.md). Takes effect at once.
  void set_limit_share(double share);
  // The most calls after (CallOptions::calls_after) of any call waiting for
  // admission; -1 when none waits.
  int longest_waiting_chain() const;
  // The caller starts no new chains, and no provider holds back a call with
  // calls after it: the calls to come finish the chains under way, and the
  // run ends with their stragglers. From now on early copies (after the
  // median) go whatever the share of copies, as after a drained backlog.
  void set_last_stretch();

  class Impl;

 private:
  explicit LlmClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The tokens a chat request will use, estimated before sending: about four
// characters per prompt token plus max_tokens (or `assumed_completion_tokens`)
// per choice.
double estimate_chat_tokens(const ChatRequest& request, int assumed_completion_tokens);

}  // namespace privqa
