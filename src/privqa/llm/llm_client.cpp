#include "privqa/llm/llm_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <optional>
#include <random>

#include "privqa/llm/adaptive_concurrency.h"
#include "privqa/llm/rate_limit_share.h"
#include "privqa/llm/retry_hint.h"
#include "privqa/llm/token_bucket.h"

namespace privqa {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1e3)));
}

// With a configured rpm, 429s in more than this share of the recent replies
// mean the configured limit is above the provider's real one. Transient 429s
// (a provider refusing under its own load) stay well below it.
constexpr double kOverLimitShare = 0.1;

// Buckets hold half a second of budget, so the configured per-minute rate is
// followed smoothly rather than spent in one burst at the start of a minute,
// and requests that network jitter bunches together still fit the provider's
// own burst allowance (commonly a second's worth or more).
std::optional<TokenBucket> per_minute_bucket(double per_minute) {
  if (per_minute <= 0) return std::nullopt;
  const double per_second = per_minute / 60.0;
  return TokenBucket(per_second, std::max(1.0, per_second / 2), Clock::now());
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

class LlmClient::Impl {
 public:
  Impl(HttpEngine& engine, ProviderConfig config, ResponseCache* cache, ClientOptions options,
       std::vector<std::pair<std::string, std::string>> headers)
      : engine_(engine),
        config_(std::move(config)),
        cache_(cache),
        options_(options),
        headers_(std::move(headers)),
        rpm_(per_minute_bucket(config_.rpm)),
        tpm_(per_minute_bucket(config_.tpm)),
        concurrency_(config_.min_in_flight, config_.max_in_flight),
        backoff_base_(to_ms(config_.backoff_seconds)),
        backoff_cap_(to_ms(config_.backoff_cap_seconds)),
        pump_timer_(engine.context()),
        jitter_(std::random_device{}()) {}

  template <class T>
  asio::awaitable<CallOutcome<T>> call(std::string_view endpoint, std::string body, double tokens,
                                       CallOptions options,
                                       std::function<Result<T>(std::string_view)> decode);

  void set_debug_sink(std::function<void(std::string_view)> sink) { debug_ = std::move(sink); }
  const ProviderConfig& config() const { return config_; }
  const ProviderCounters& counters() const { return counters_; }
  int concurrency_limit() const { return concurrency_.limit(); }
  const ClientOptions& options() const { return options_; }

 private:
  struct Waiter {
    double tokens;
    asio::steady_timer wake;
    bool admitted = false;
  };

  asio::awaitable<void> admit(double tokens);
  void pump();
  void wake_pump_at(Clock::time_point when);

  HttpEngine& engine_;
  ProviderConfig config_;
  ResponseCache* cache_;
  ClientOptions options_;
  std::vector<std::pair<std::string, std::string>> headers_;  // holds the Authorization header
  std::optional<TokenBucket> rpm_;
  std::optional<TokenBucket> tpm_;
  AdaptiveConcurrency concurrency_;
  std::chrono::milliseconds backoff_base_;
  std::chrono::milliseconds backoff_cap_;
  RateLimitShare recent_429s_;
  std::deque<Waiter*> waiters_;  // first come, first admitted
  int in_flight_ = 0;
  Clock::time_point paused_until_{};
  asio::steady_timer pump_timer_;
  std::optional<Clock::time_point> pump_wake_;
  std::mt19937_64 jitter_;
  ProviderCounters counters_;
  std::function<void(std::string_view)> debug_;
};

asio::awaitable<void> LlmClient::Impl::admit(double tokens) {
  Waiter waiter{tokens, asio::steady_timer(engine_.context()), false};
  waiters_.push_back(&waiter);
  pump();
  while (!waiter.admitted) {
    waiter.wake.expires_at(Clock::time_point::max());
    boost::system::error_code ignored;  // pump() cancels the wait to admit us
    co_await waiter.wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

void LlmClient::Impl::pump() {
  const Clock::time_point now = Clock::now();
  while (!waiters_.empty() && in_flight_ < concurrency_.limit()) {
    Waiter* next = waiters_.front();
    Clock::duration wait = paused_until_ > now ? paused_until_ - now : Clock::duration::zero();
    if (rpm_) wait = std::max(wait, rpm_->wait_time(1, now));
    if (tpm_) wait = std::max(wait, tpm_->wait_time(next->tokens, now));
    if (wait > Clock::duration::zero()) {
      wake_pump_at(now + wait);
      return;
    }
    if (rpm_) rpm_->take(1, now);
    if (tpm_) tpm_->take(next->tokens, now);
    ++in_flight_;
    waiters_.pop_front();
    next->admitted = true;
    next->wake.cancel();
  }
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

template <class T>
asio::awaitable<CallOutcome<T>> LlmClient::Impl::call(
    std::string_view endpoint, std::string body, double tokens, CallOptions options,
    std::function<Result<T>(std::string_view)> decode) {
  ++counters_.calls;
  CallOutcome<T> outcome;
  const bool use_cache = cache_ != nullptr && options.cache != CacheMode::kBypass;
  std::string key;
  if (use_cache) {
    key = ResponseCache::key(config_.base_url, config_.model, endpoint, body, options.sample_index);
    if (options.cache == CacheMode::kUse) {
      Result<std::optional<std::string>> hit = cache_->get(key);
      if (hit.ok() && hit.value()) {
        Result<T> decoded = decode(*hit.value());
        if (decoded.ok()) {  // an undecodable entry is treated as a miss and replaced
          ++counters_.cache_hits;
          outcome.result = std::move(decoded);
          outcome.from_cache = true;
          co_return outcome;
        }
      }
    }
  }

  HttpRequest request;
  request.url = join_url(config_.base_url, endpoint);
  request.body = std::move(body);
  request.headers = headers_;
  request.timeout = to_ms(config_.timeout_seconds);

  for (int attempt = 1;; ++attempt) {
    co_await admit(tokens);
    outcome.attempts = attempt;
    ++counters_.requests;
    if (attempt > 1) ++counters_.retries;
    if (debug_) debug_(describe_request(request));
    const Clock::time_point sent_at = Clock::now();
    const HttpResponse response = co_await engine_.perform(request);
    --in_flight_;

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
        counters_.tokens_in += usage.prompt_tokens;
        counters_.tokens_out += usage.completion_tokens;
        counters_.cost += config_.cost(usage.prompt_tokens, usage.completion_tokens);
        if (tpm_ && (usage.prompt_tokens > 0 || usage.completion_tokens > 0)) {
          tpm_->adjust(tokens - static_cast<double>(usage.prompt_tokens + usage.completion_tokens),
                       Clock::now());
        }
        concurrency_.on_success();
        recent_429s_.record(false);
        pump();
        if (use_cache) {
          // A cache that cannot be written costs a re-request later, not this result.
          (void)cache_->put(key, config_.name, response.body);
        }
        outcome.result = std::move(decoded);
        co_return outcome;
      }
      kind = FailureKind::kDecode;
      message = decoded.error().message();
    } else {
      const ProviderError error = decode_provider_error(response.body);
      kind = classify_status(response.status, error);
      message = fmt::format(
          "{}: HTTP {}: {}", config_.name, response.status,
          error.message.empty() ? "\"" + body_snippet(response.body) + "\"" : error.message);
      hint = retry_hint(response, std::chrono::system_clock::now());
      if (response.status == 429) ++counters_.rate_limited;
      recent_429s_.record(kind == FailureKind::kRateLimited);
      // Without a configured rpm, 429s are how the limit is found; with one,
      // only a share of 429s above kOverLimitShare says it is set too high.
      if (kind == FailureKind::kRateLimited && (!rpm_ || recent_429s_.share() > kOverLimitShare)) {
        const Clock::time_point now = Clock::now();
        concurrency_.on_rate_limited(sent_at, now);
        if (hint) paused_until_ = std::max(paused_until_, now + *hint);  // for every call
      }
    }
    pump();
    if (!is_retryable(kind) || attempt >= config_.max_attempts) {
      ++counters_.failures;
      outcome.failure = kind;
      outcome.result = Error(
          attempt > 1 ? fmt::format("{} (gave up after {} attempts)", message, attempt) : message);
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
LlmClient::~LlmClient() = default;

asio::awaitable<ChatOutcome> LlmClient::chat(ChatRequest request, CallOptions options) {
  const ProviderConfig& config = impl_->config();
  const double tokens = estimate_chat_tokens(request, impl_->options().assumed_completion_tokens);
  std::string body = to_body(encode_chat_request(request, config.model, config.extra_body));
  return impl_->call<ChatResponse>(
      "/chat/completions", std::move(body), tokens, options,
      [name = config.name](std::string_view b) { return decode_chat_response(name, b); });
}

asio::awaitable<EmbeddingOutcome> LlmClient::embed(EmbeddingRequest request, CallOptions options) {
  const ProviderConfig& config = impl_->config();
  double chars = 0;
  for (const std::string& input : request.inputs)
    chars += static_cast<double>(input.size());
  std::string body = to_body(encode_embedding_request(request, config.model, config.extra_body));
  return impl_->call<EmbeddingResponse>(
      "/embeddings", std::move(body), chars / 4.0, options,
      [name = config.name, count = request.inputs.size()](std::string_view b) {
        return decode_embedding_response(name, b, count);
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
