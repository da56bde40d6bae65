// The LLM client against the simulated provider on 127.0.0.1 (issue 5, "Must
// show"): faults, rate limits, Retry-After, stalls, 4xx, the cache and the
// API key, all checked from the client's results and the server's request log.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "privqa/base/asio.h"
#include "privqa/llm/http_engine.h"
#include "privqa/llm/llm_client.h"
#include "privqa/sim/fault_plan.h"
#include "privqa/sim/sim_server.h"
#include "privqa/store/open_store.h"
#include "privqa/store/sqlite.h"
#include "testing.h"

namespace privqa {
namespace {

using json = nlohmann::json;

std::vector<Question> sample_questions() {
  std::vector<Question> qs;
  const char* stems[] = {
      "Which vitamin deficiency causes scurvy?",
      "Which nerve is injured in wrist drop?",
      "What is the drug of choice for absence seizures?",
      "Which organism causes tuberculosis?",
  };
  const std::vector<std::vector<std::string>> options = {
      {"Vitamin A", "Vitamin C", "Vitamin D", "Vitamin K"},
      {"Median nerve", "Ulnar nerve", "Radial nerve", "Axillary nerve"},
      {"Phenytoin", "Ethosuximide", "Carbamazepine", "Phenobarbital"},
      {"Mycobacterium tuberculosis", "Staphylococcus aureus", "Escherichia coli",
       "Candida albicans"},
  };
  for (int i = 0; i < 4; ++i) {
    Question q;
    q.id = "q" + std::to_string(i);
    q.text = stems[i];
    q.options = options[static_cast<std::size_t>(i)];
    q.answer = i % 4;
    qs.push_back(std::move(q));
  }
  return qs;
}

// A sim server with its request log in a temporary directory.
class Sim {
 public:
  // time_scale 0: every reply at once, whatever its profile's latency.
  explicit Sim(FaultRates faults = {}, const std::string& profiles_toml = "", uint64_t seed = 11,
               std::map<std::string, int64_t> quota = {}, double time_scale = 0)
      : Sim(SimOptions{.faults = faults,
                       .seed = seed,
                       .time_scale = time_scale,
                       .quota = std::move(quota)},
            profiles_toml) {}

  // `options` as given, with the sample questions and the request log.
  Sim(SimOptions options, const std::string& profiles_toml) {
    options.questions = sample_questions();
    options.log_path = dir_ / "requests.jsonl";
    if (!profiles_toml.empty()) {
      testing::write_text(dir_ / "profiles.toml", profiles_toml);
      options.profiles_path = dir_ / "profiles.toml";
    }
    auto server = SimServer::start(std::move(options));
    if (!server.ok()) ADD_FAILURE() << server.error().message();
    if (server.ok()) server_ = std::move(server.value());
  }

  ProviderConfig provider(const std::string& model = "sim-local") const {
    ProviderConfig c;
    c.name = "sim";
    c.base_url = fmt::format("http://127.0.0.1:{}/v1", server_ ? server_->port() : 1);
    c.model = model;
    c.max_in_flight = 256;
    c.timeout_seconds = 5;
    c.max_attempts = 10;
    c.backoff_seconds = 0.02;  // fast retries keep the tests short
    c.backoff_cap_seconds = 0.5;
    return c;
  }

  // The request log so far, one object per request received.
  std::vector<json> log() const {
    std::vector<json> entries;
    std::ifstream in(dir_ / "requests.jsonl");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) entries.push_back(json::parse(line));
    }
    return entries;
  }

  void stop() { server_.reset(); }
  const testing::TempDir& dir() const { return dir_; }

 private:
  testing::TempDir dir_;
  std::unique_ptr<SimServer> server_;
};

// One event loop with an HTTP engine; run() returns when every spawned call is done.
struct Loop {
  asio::io_context io;
  HttpEngine engine{io};

  template <class F>
  void spawn(F f) {
    asio::co_spawn(io, std::move(f), [](const std::exception_ptr& e) {
      if (e) std::rethrow_exception(e);
    });
  }
  void run() {
    io.run();
    io.restart();
  }
};

std::unique_ptr<LlmClient> make_client(Loop& loop, const ProviderConfig& config,
                                       ResponseCache* cache = nullptr) {
  auto client = LlmClient::create(loop.engine, config, cache);
  EXPECT_TRUE(client.ok()) << client.error().message();
  return client.ok() ? std::move(client.value()) : nullptr;
}

ChatRequest question_request(int i) {
  const auto qs = sample_questions();
  const Question& q = qs[static_cast<std::size_t>(i) % qs.size()];
  ChatRequest r;
  r.messages = {
      {"system", "You are a medical expert."},
      {"user", fmt::format("Request {}. Answer with a letter.\n{}\nA) {}\nB) {}\nC) {}\n"
                           "D) {}",
                           i, q.text, q.options[0], q.options[1], q.options[2], q.options[3])}};
  r.max_tokens = 32;
  return r;
}

// Sends requests 0..count-1 concurrently; returns the outcomes by index.
std::vector<ChatOutcome> chat_all(Loop& loop, LlmClient& client, int count,
                                  CallOptions options = {}) {
  std::vector<ChatOutcome> outcomes(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    loop.spawn([&, i]() -> asio::awaitable<void> {
      outcomes[static_cast<std::size_t>(i)] = co_await client.chat(question_request(i), options);
    });
  }
  loop.run();
  return outcomes;
}

std::string user_text(const json& entry) {
  const json& body = entry["body"];
  if (!body.is_object() || !body.contains("messages")) return "";
  return body["messages"].back()["content"].get<std::string>();
}

// For each logged request that `failed` selects, the seconds until the same
// body arrived again (the retry), in log order.
struct RetryGap {
  double seconds;  // from the failed arrival to the retry
  double asked;    // the wait the failed reply asked for (429s), else 0
};

std::vector<RetryGap> retry_gaps(const std::vector<json>& log,
                                 const std::function<bool(const json&)>& failed) {
  std::map<std::string, std::pair<double, double>> failed_at;  // time, asked
  std::vector<RetryGap> gaps;
  for (const json& e : log) {
    const std::string text = user_text(e);
    const double time = e["time"].get<double>();
    if (auto it = failed_at.find(text); it != failed_at.end()) {
      gaps.push_back({time - it->second.first, it->second.second});
      failed_at.erase(it);
    }
    if (failed(e)) failed_at[text] = {time, e.value("retry_after", 0.0)};
  }
  return gaps;
}

bool is_429(const json& entry) {
  return entry["status"] == 429;
}

TEST(LlmClientSim, TwoThousandRequestsWithTwentyPercentFaultsAllCompleteCorrectly) {
  constexpr int kRequests = 2000;
  // The reference: the same requests to a fault-free server with the same seed
  // (replies are a pure function of seed, model and body).
  std::vector<std::string> expected;
  {
    Sim clean;
    Loop loop;
    ProviderConfig config = clean.provider();
    config.timeout_seconds = 60;  // generous: a loaded CI machine must not cause retries here
    auto client = make_client(loop, config);
    ASSERT_NE(client, nullptr);
    for (const ChatOutcome& o : chat_all(loop, *client, kRequests)) {
      ASSERT_TRUE(o.result.ok()) << o.result.error().message();
      expected.push_back(o.result->choices.at(0).content);
    }
    EXPECT_EQ(client->counters().retries, 0);
  }

  FaultRates faults;
  // Each 429 pauses the whole provider for its Retry-After: a short one, or
  // the pauses would dominate the test's run time.
  faults.rate_429 = 0.02;
  faults.retry_after_seconds = 0.1;
  faults.rate_500 = 0.04;
  faults.rate_503 = 0.04;
  faults.reset = 0.04;
  faults.stall = 0.03;
  faults.malformed = 0.03;
  faults.stall_seconds = 60;
  Sim faulty(faults);
  Loop loop;
  ProviderConfig config = faulty.provider();
  // A stall times out; an answer waiting behind 500 others in a loaded
  // simulator does not.
  config.timeout_seconds = 5;
  config.max_in_flight = 500;
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  const std::vector<ChatOutcome> outcomes = chat_all(loop, *client, kRequests);
  for (int i = 0; i < kRequests; ++i) {
    const ChatOutcome& o = outcomes[static_cast<std::size_t>(i)];
    ASSERT_TRUE(o.result.ok()) << "request " << i << ": " << o.result.error().message();
    EXPECT_EQ(o.result->choices.at(0).content, expected[static_cast<std::size_t>(i)]) << i;
  }
  faulty.stop();
  std::map<std::string, int> by_fault;
  for (const json& e : faulty.log())
    ++by_fault[e["fault"].get<std::string>()];
  // Every kind of fault happened, and the client retried each one.
  for (const char* kind : {"429", "500", "503", "reset", "stall", "malformed"}) {
    EXPECT_GT(by_fault[kind], 10) << kind;
  }
  // Every arrival after a request's first is a retry by the client, except
  // that curl itself re-sends, once, a request whose reused keep-alive
  // connection was reset before any reply. (A slow reply that timed out
  // makes an extra fault-free arrival, so these are bounds, not equalities.)
  // Hedge copies of stalled attempts are extra arrivals too.
  const auto extra_arrivals = static_cast<int64_t>(faulty.log().size()) - kRequests;
  const int64_t resent = client->counters().retries + client->counters().hedges;
  EXPECT_LE(resent, extra_arrivals);
  EXPECT_GE(resent, extra_arrivals - by_fault["reset"]);
  EXPECT_GE(by_fault["none"], kRequests);
  EXPECT_EQ(client->counters().requests, kRequests + resent);
  EXPECT_EQ(client->counters().failures, 0);
  EXPECT_GT(client->counters().rate_limited, 0);
  EXPECT_LE(client->counters().rate_limited, by_fault["429"]);
}

// A profile limited to 600 requests per minute (10 per second, 1 s of burst).
const char* kLimitedProfile = R"(
[profile.sim-limited]
rpm = 600
burst_seconds = 1
latency_base_ms = 0
latency_per_token_ms = 0
)";

// Requests accepted per second from `skip_seconds` after the first was
// accepted until the last, from the server's log. The default skips the first
// second of the run, which the one-second burst allowance makes faster.
double accepted_rate(const std::vector<json>& log, double skip_seconds = 1.0) {
  std::vector<double> times;
  for (const json& e : log) {
    if (e["status"] == 200) times.push_back(e["time"].get<double>());
  }
  if (times.size() < 2) return 0;
  std::sort(times.begin(), times.end());
  const double from = times.front() + skip_seconds;
  const auto steady = std::count_if(times.begin(), times.end(), [&](double t) { return t > from; });
  return static_cast<double>(steady) / (times.back() - from);
}

TEST(LlmClientSim, FollowsAConfiguredRpmWithin10Percent) {
  Sim sim(FaultRates{}, kLimitedProfile);
  Loop loop;
  ProviderConfig config = sim.provider("sim-limited");
  config.rpm = 600;
  config.max_in_flight = 64;
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  const auto outcomes = chat_all(loop, *client, 110);  // about 11 s
  for (const ChatOutcome& o : outcomes)
    ASSERT_TRUE(o.result.ok()) << o.result.error().message();
  sim.stop();
  const auto log = sim.log();
  const double rate = accepted_rate(log);
  EXPECT_NEAR(rate * 60, 600, 60) << "measured " << rate * 60 << " requests/minute";
  // Pacing, not 429s, keeps it there.
  EXPECT_LE(client->counters().rate_limited, 5);
}

// A provider that answers a run's opening burst with 429s, then admits its
// rate. Replies take 1 s, so the configured 3,000 rpm (50 a second) needs 50
// requests in flight. Had the 429s cut the concurrency limit from 64 to 32,
// the client would send 32 a second while the cut lasts; below the level
// before a cut each success allows one more request, so the first round of
// replies (at 1 s) would undo it, where growing by one per round would take
// 18 s to reach 50.
const char* kSlowLimitedProfile = R"(
[profile.sim-slow]
rpm = 3000
burst_seconds = 1
latency_base_ms = 1000
latency_per_token_ms = 0
latency_jitter_sigma = 0
)";

// Sends `requests` calls to that provider, whose first 40 answers are 429s
// asking for 0.1 s, from a client configured with its rpm, a 1 s burst and 64
// requests in flight; returns the simulator's log.
std::vector<json> log_after_an_opening_burst(int requests) {
  FaultRates faults;
  faults.opening_429s = 40;
  faults.retry_after_seconds = 0.1;
  Sim sim(faults, kSlowLimitedProfile, 11, {}, /*time_scale=*/1.0);
  Loop loop;
  ProviderConfig config = sim.provider("sim-slow");
  config.rpm = 3000;
  config.burst_seconds = 1;
  config.max_in_flight = 64;
  config.max_attempts = 20;
  config.hedge_after = 0;  // a reply's 1 s is no stall
  auto client = make_client(loop, config);
  if (client == nullptr) {
    ADD_FAILURE() << "no client";
    return {};
  }
  for (const ChatOutcome& o : chat_all(loop, *client, requests))
    EXPECT_TRUE(o.result.ok()) << o.result.error().message();
  sim.stop();
  return sim.log();
}

TEST(LlmClientSim, AfterAnOpeningBurstOf429sTheConfiguredRpmIsBackWithinThreeSeconds) {
  constexpr int kRequests = 400;  // about 8 s at 50 a second
  const std::vector<json> log = log_after_an_opening_burst(kRequests);
  EXPECT_EQ(std::count_if(log.begin(), log.end(), is_429), 40) << "only the opening was refused";
  ASSERT_EQ(std::count_if(log.begin(), log.end(), [](const json& e) { return e["status"] == 200; }),
            kRequests);
  const double rate = accepted_rate(log, 3.0);
  EXPECT_GE(rate, 0.95 * 50) << "accepted " << rate << " requests a second";
}

// The same opening: its 40 429s, all of requests sent before the first reply,
// are one event, 1 of the last 256 replies rather than 40 (the 10% that says
// the configured rpm is too high). So nothing is cut or paused: within the
// first second the provider admits the 10 requests of the burst it did not
// refuse, the 40 retried ones and those of the refilled rpm bucket, about
// 60. Counted as 40, they would cut the limit to 32 for that second.
TEST(LlmClientSim, TheOpeningBurstsRefusalsCountAsOneAndCutNothing) {
  const std::vector<json> log = log_after_an_opening_burst(150);
  ASSERT_EQ(std::count_if(log.begin(), log.end(), is_429), 40);
  const double start = log.front()["time"].get<double>();
  const auto first_second = std::count_if(log.begin(), log.end(), [&](const json& e) {
    return e["status"] == 200 && e["time"].get<double>() < start + 1.0;
  });
  EXPECT_GE(first_second, 45) << "admitted in the first second";
}

TEST(LlmClientSim, SpendsTheConfiguredBurstAtOnceThenPaces) {
  Sim sim;
  Loop loop;
  ProviderConfig config = sim.provider();
  config.rpm = 600;  // 10 a second
  config.burst_seconds = 2;
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  const auto outcomes = chat_all(loop, *client, 40);
  for (const ChatOutcome& o : outcomes)
    ASSERT_TRUE(o.result.ok()) << o.result.error().message();
  sim.stop();
  std::vector<double> times;
  for (const json& e : sim.log())
    times.push_back(e["time"].get<double>());
  ASSERT_EQ(times.size(), 40u);
  std::sort(times.begin(), times.end());
  // Within half a second: the 20 of the burst, sent at once, and at most
  // the 5 refilled since (one more for rounding); the rest paced after.
  const auto early =
      std::count_if(times.begin(), times.end(), [&](double t) { return t < times.front() + 0.5; });
  EXPECT_GE(early, 20);
  EXPECT_LE(early, 26);
  EXPECT_GE(times.back() - times.front(), 1.8);  // 20 more at 10 a second
}

TEST(LlmClientSim, WaitingCallsWithMoreCallsAfterThemGoFirst) {
  Sim sim;
  Loop loop;
  ProviderConfig config = sim.provider();
  config.max_in_flight = 1;  // one at a time, so the log shows the admission order
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  // Started in one turn of the event loop: requests 0-3 end their chains,
  // 4-7 have a call after them.
  for (int i = 0; i < 8; ++i) {
    loop.spawn([&, i]() -> asio::awaitable<void> {
      const ChatOutcome o = co_await client->chat(question_request(i), {.calls_after = i / 4});
      EXPECT_TRUE(o.result.ok()) << o.result.error().message();
    });
  }
  loop.run();
  sim.stop();
  std::vector<std::string> order;
  for (const json& e : sim.log()) {
    const std::string text = user_text(e);
    order.push_back(text.substr(0, text.find('.')));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"Request 4", "Request 5", "Request 6", "Request 7",
                                             "Request 0", "Request 1", "Request 2", "Request 3"}));
}

// 110 calls to the 600-rpm profile from a client with no rpm configured and
// 16 in flight, each of which must succeed: the client's counters and the
// simulator's log.
std::pair<ProviderCounters, std::vector<json>> calls_without_a_configured_rpm(bool limit_headers) {
  Sim sim(SimOptions{.time_scale = 0, .limit_headers = limit_headers}, kLimitedProfile);
  Loop loop;
  ProviderConfig config = sim.provider("sim-limited");
  config.max_in_flight = 16;
  config.max_attempts = 50;
  auto client = make_client(loop, config);
  if (client == nullptr) return {};
  for (const ChatOutcome& o : chat_all(loop, *client, 110))
    EXPECT_TRUE(o.result.ok()) << o.result.error().message();
  const ProviderCounters counters = client->counters();
  sim.stop();
  return {counters, sim.log()};
}

// A server that states no limit: the client finds it from the share of 429s.
TEST(LlmClientSim, FollowsAServerRpmItWasNotToldAndHonoursRetryAfter) {
  const auto [counters, log] = calls_without_a_configured_rpm(/*limit_headers=*/false);
  EXPECT_GT(counters.rate_limited, 0);
  const double rate = accepted_rate(log);
  EXPECT_NEAR(rate * 60, 600, 60) << "measured " << rate * 60 << " requests/minute";

  // The retry of a refused request never arrives before the wait the sim
  // asked for (retry-after-ms, the exact time its bucket holds a request).
  const std::vector<RetryGap> gaps = retry_gaps(log, is_429);
  EXPECT_GT(gaps.size(), 0u);
  for (const RetryGap& gap : gaps) {
    EXPECT_GT(gap.asked, 0.0);
    EXPECT_GE(gap.seconds, gap.asked);
  }
}

// A server that states its limit in x-ratelimit-limit-requests, as OpenAI's
// does: the client paces itself by it from the first reply on. Only requests
// sent before any reply stated it can exceed it: at most the 16 in flight.
// A loaded machine (ThreadSanitizer beside other suites) adds up to as many
// again: a simulator thread that stalls takes requests the client paced
// 0.1 s apart in one go, and its bucket, refilled at the same pace, refuses
// the second.
TEST(LlmClientSim, LearnsTheRpmTheServerStates) {
  const auto [counters, log] = calls_without_a_configured_rpm(/*limit_headers=*/true);
  EXPECT_LE(counters.rate_limited, 2 * 16);
  const double rate = accepted_rate(log);
  EXPECT_NEAR(rate * 60, 600, 60) << "measured " << rate * 60 << " requests/minute";
}

TEST(LlmClientSim, NoRetryBeforeAnInjectedRetryAfterExpires) {
  FaultRates faults;
  faults.rate_429 = 0.5;  // the sim sends Retry-After: 1 with each injected 429
  Sim sim(faults);
  Loop loop;
  auto client = make_client(loop, sim.provider());
  ASSERT_NE(client, nullptr);
  for (const ChatOutcome& o : chat_all(loop, *client, 40)) {
    ASSERT_TRUE(o.result.ok()) << o.result.error().message();
  }
  sim.stop();
  const std::vector<RetryGap> gaps = retry_gaps(sim.log(), is_429);
  EXPECT_GT(gaps.size(), 10u);
  for (const RetryGap& gap : gaps)
    EXPECT_GE(gap.seconds, 1.0);
}

TEST(LlmClientSim, WithAConfiguredRpmAnInjected429DelaysOnlyItsOwnRequest) {
  FaultRates faults;
  faults.rate_429 = 0.05;  // isolated refusals, far below the over-limit share
  Sim sim(faults);
  Loop loop;
  ProviderConfig config = sim.provider();
  config.rpm = 600;  // the client paces itself: about one request per 0.1 s
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  for (const ChatOutcome& o : chat_all(loop, *client, 60)) {
    ASSERT_TRUE(o.result.ok()) << o.result.error().message();
  }
  sim.stop();
  const std::vector<json> log = sim.log();
  // Every refused request still waited for its Retry-After ...
  const std::vector<RetryGap> gaps = retry_gaps(log, is_429);
  EXPECT_GT(gaps.size(), 0u);
  for (const RetryGap& gap : gaps)
    EXPECT_GE(gap.seconds, 1.0);
  // ... while the other requests went on at the paced rate: after each 429
  // (except near the end) another request arrived within 0.9 s, which a
  // pause of the whole provider for the 1 s Retry-After would prevent.
  const double last = log.back()["time"].get<double>();
  int checked = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    if (!is_429(log[i])) continue;
    const double t = log[i]["time"].get<double>();
    if (t + 1.0 > last) continue;
    bool other = false;
    for (size_t j = i + 1; j < log.size() && log[j]["time"].get<double>() < t + 0.9; ++j)
      other = true;
    EXPECT_TRUE(other) << "nothing was sent for 0.9 s after the 429 at " << t << " s";
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(LlmClientSim, StallsTimeOutAndAreRetried) {
  FaultRates faults;
  faults.stall = 0.5;
  faults.stall_seconds = 10;
  Sim sim(faults);
  Loop loop;
  ProviderConfig config = sim.provider();
  config.timeout_seconds = 0.5;
  config.hedge_after = 0;  // no hedge copies: a stall ends only by the timeout
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  const auto outcomes = chat_all(loop, *client, 20);
  for (const ChatOutcome& o : outcomes)
    ASSERT_TRUE(o.result.ok()) << o.result.error().message();
  sim.stop();
  const std::vector<RetryGap> gaps =
      retry_gaps(sim.log(), [](const json& e) { return e["fault"] == "stall"; });
  for (const RetryGap& gap : gaps) {
    // Sent again once the 0.5 s timeout expired, long before the stall ended.
    // (The timeout runs from when the client started the attempt, before the
    // server logged its arrival: on a loaded machine up to a tenth of a
    // second before, so the logged gap may be that much shorter.)
    EXPECT_GE(gap.seconds, 0.3);
    EXPECT_LT(gap.seconds, 5.0);
  }
  const auto retried = static_cast<int64_t>(gaps.size());
  EXPECT_GT(retried, 3);
  EXPECT_GE(client->counters().retries, retried);  // more only if a normal reply was slow

  // With one attempt, a stall is a timeout failure that says so.
  Sim always_stalls(FaultRates{.stall = 1.0, .stall_seconds = 10});
  config = always_stalls.provider();
  config.timeout_seconds = 0.3;
  config.max_attempts = 1;
  auto once = make_client(loop, config);
  const auto failed = chat_all(loop, *once, 1);
  ASSERT_FALSE(failed[0].result.ok());
  EXPECT_EQ(failed[0].failure, FailureKind::kTimeout);
  EXPECT_NE(failed[0].result.error().message().find("timeout error for http://127.0.0.1:"),
            std::string::npos)
      << failed[0].result.error().message();
}

// The sim's fault for the first and second arrival of the request's body.
// The faults the sim's seeded plan gives the first `arrivals` arrivals of
// the request.
std::vector<sim::Fault> planned_faults(const FaultRates& faults, uint64_t seed,
                                       const std::string& model, const ChatRequest& request,
                                       size_t arrivals = 2) {
  sim::FaultPlan plan(faults, seed);
  const std::string body = to_body(encode_chat_request(request, model, {}));
  std::vector<sim::Fault> out;
  for (size_t i = 0; i < arrivals; ++i)
    out.push_back(plan.next("/v1/chat/completions", body));
  return out;
}

TEST(LlmClientSim, AStalledAttemptIsHedgedAndTheStalledCopyCancelled) {
  FaultRates faults;
  faults.stall = 0.2;
  faults.stall_seconds = 60;
  constexpr uint64_t kSeed = 11;
  Sim sim(faults, "", kSeed);
  Loop loop;
  ProviderConfig config = sim.provider();
  config.timeout_seconds = 30;  // without a hedge, a stall would hold its call this long
  config.max_attempts = 1;      // and no retry could rescue it
  config.hedge_after = 1.5;
  // Far above any warm-up latency, even under ThreadSanitizer on a loaded
  // machine: when the warm-up queue empties, its stragglers past this floor
  // would be hedged too (idle hedging), and only the stalls may be.
  config.hedge_min_delay_seconds = 4;
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);

  // From the sim's own seeded plan: warm-up requests that do not stall (the
  // client hedges only once it knows the p90 latency of their kind, and the
  // 20 stalls below must not make up 10% of its recent requests), then
  // requests that stall on their first arrival but not on their second.
  std::vector<int> warm_up, stalled;
  for (int i = 0; warm_up.size() < 300 || stalled.size() < 20; ++i) {
    const auto planned = planned_faults(faults, kSeed, "sim-local", question_request(i));
    const sim::Fault first = planned[0], second = planned[1];
    if (first == sim::Fault::kNone && warm_up.size() < 300) warm_up.push_back(i);
    if (first == sim::Fault::kStall && second == sim::Fault::kNone && stalled.size() < 20)
      stalled.push_back(i);
  }
  auto send = [&](const std::vector<int>& ids) {
    std::vector<ChatOutcome> outcomes(ids.size());
    size_t done = 0;
    size_t left_in_flight = 99;
    for (size_t k = 0; k < ids.size(); ++k) {
      loop.spawn([&, k]() -> asio::awaitable<void> {
        outcomes[k] = co_await client->chat(question_request(ids[k]));
        if (++done == ids.size()) left_in_flight = loop.engine.in_flight();
      });
    }
    loop.run();
    return std::pair(outcomes, left_in_flight);
  };
  // In waves, so no warm-up request queues anywhere near the floor.
  constexpr size_t kWave = 30;
  for (size_t w = 0; w < warm_up.size(); w += kWave) {
    const std::vector<int> wave(warm_up.begin() + static_cast<std::ptrdiff_t>(w),
                                warm_up.begin() + static_cast<std::ptrdiff_t>(w + kWave));
    for (const ChatOutcome& o : send(wave).first)
      ASSERT_TRUE(o.result.ok()) << o.result.error().message();
  }
  EXPECT_EQ(client->counters().hedges, 0);

  const auto [outcomes, left_in_flight] = send(stalled);
  for (const ChatOutcome& o : outcomes) {
    ASSERT_TRUE(o.result.ok()) << o.result.error().message();
    EXPECT_EQ(o.attempts, 1);  // answered by the hedge, not by a retry
  }
  EXPECT_EQ(client->counters().hedges, 20);
  EXPECT_EQ(client->counters().retries, 0);
  EXPECT_EQ(client->counters().requests, 300 + 20 + 20);  // warm-up, stalled, hedges
  // When the last call returned, no stalled copy was still in flight.
  EXPECT_EQ(left_in_flight, 0u);

  sim.stop();
  const std::vector<json> log = sim.log();
  ASSERT_EQ(log.size(), 340u);
  const std::vector<RetryGap> gaps =
      retry_gaps(log, [](const json& e) { return e["fault"] == "stall"; });
  ASSERT_EQ(gaps.size(), 20u);
  for (const RetryGap& gap : gaps) {
    // The copy went after the 4 s floor (1.5 x the warm-up's p90 is far below
    // it), long before the 30 s timeout. The sim logs arrivals, and the stalled
    // copy may have arrived late, behind the others, on a loaded machine.
    EXPECT_GE(gap.seconds, 3.0);
    EXPECT_LT(gap.seconds, 20.0);
  }
}

// A hedge copy's failure leaves the attempt to the copy still running: with
// one attempt allowed, a call whose first arrival stalls and whose hedge copy
// fails (500, 503, 429, a malformed body) succeeds through a third copy. A
// 429 still counts as one. Only one failure an attempt is outlived: a third
// copy's failure settles it, and with no retry left the call fails.
TEST(LlmClientSim, AHedgeCopysFailureLeavesTheAttemptToTheCopiesStillRunning) {
  const FaultRates faults{.rate_429 = 0.1,
                          .rate_500 = 0.1,
                          .rate_503 = 0.1,
                          .stall = 0.1,
                          .malformed = 0.1,
                          .stall_seconds = 60};
  constexpr uint64_t kSeed = 11;
  Sim sim(faults,
          "[profile.sim-local]\nlatency_base_ms = 200\nlatency_per_token_ms = 0\n"
          "latency_jitter_sigma = 0.5\n",
          kSeed, {}, 1.0);
  Loop loop;
  ProviderConfig config = sim.provider();
  config.timeout_seconds = 30;  // a stall is only ended by a hedge copy
  config.max_attempts = 1;      // and no retry can rescue a failed attempt
  config.hedge_min_delay_seconds = 0;
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);

  using sim::Fault;
  const auto find = [&](const std::vector<Fault>& wanted, size_t count) {
    std::vector<int> ids;
    for (int i = 0; ids.size() < count; ++i) {
      if (planned_faults(faults, kSeed, "sim-local", question_request(i), wanted.size()) == wanted)
        ids.push_back(i);
    }
    return ids;
  };
  const auto call = [&](int id) {
    ChatOutcome out;
    loop.spawn(
        [&]() -> asio::awaitable<void> { out = co_await client->chat(question_request(id)); });
    loop.run();
    return out;
  };
  // 300 replies, 30 at a time, teach the client the latency quantiles it
  // hedges by; the failed copies below (each counts as slower than any
  // reply) stay under 10% of its samples. (Their copies do not fail.)
  const std::vector<int> warm_up = find({Fault::kNone, Fault::kNone, Fault::kNone}, 300);
  for (size_t w = 0; w < warm_up.size(); w += 30) {
    for (size_t k = w; k < w + 30; ++k) {
      loop.spawn([&, k]() -> asio::awaitable<void> {
        const ChatOutcome o = co_await client->chat(question_request(warm_up[k]));
        EXPECT_TRUE(o.result.ok());
      });
    }
    loop.run();
  }

  for (const Fault failure : {Fault::k500, Fault::k503, Fault::k429, Fault::kMalformed}) {
    for (int id : find({Fault::kStall, failure, Fault::kNone, Fault::kNone}, 3)) {
      const ProviderCounters before = client->counters();
      const ChatOutcome out = call(id);
      ASSERT_TRUE(out.result.ok())
          << sim::fault_name(failure) << ": " << out.result.error().message();
      EXPECT_EQ(out.attempts, 1);
      // The failed copy, and one that answered (or more, should it be slow).
      EXPECT_GE(client->counters().hedges - before.hedges, 2);
      EXPECT_EQ(client->counters().rate_limited - before.rate_limited,
                failure == Fault::k429 ? 1 : 0);
    }
  }
  for (int id : find({Fault::kStall, Fault::k500, Fault::k503, Fault::kNone}, 3)) {
    const ChatOutcome out = call(id);
    EXPECT_FALSE(out.result.ok());
    EXPECT_EQ(out.failure, FailureKind::kServer);
  }
}

// Hedging by how busy the provider is: replies take 0.2 s with lognormal
// jitter (sigma 0.5), so the median latency is 0.2 s and 1.5 x the p90 is
// 0.57 s (1.5 x 0.2 x e^(0.5 x 1.2816)). Requests are paced at one per 10 ms.
// The client groups latencies by completion budget (max_tokens): requests
// with max_tokens 32 are hedged once 100 of them have taught it their
// quantiles; fillers of other budgets, 31 per budget, never are (a kind needs
// 32 replies), so they add requests without spending hedge copies.
class IdleHedging : public ::testing::Test {
 protected:
  static constexpr uint64_t kSeed = 11;
  static constexpr double kMedian = 0.2, kLoadedDelay = 0.57;
  static constexpr int kHedged = 32;

  IdleHedging() : sim_(stalls(), kProfile, kSeed, {}, 1.0), client_(make_client(loop_, config())) {}

  ProviderConfig config() const {
    ProviderConfig c = sim_.provider();
    c.timeout_seconds = 30;  // a stall is only ended by a hedge copy
    c.max_attempts = 1;
    c.hedge_min_delay_seconds = 0;
    c.rpm = 6000;
    c.burst_seconds = 0.01;
    return c;
  }

  static FaultRates stalls() { return FaultRates{.stall = 0.2, .stall_seconds = 60}; }

  static ChatRequest request(int id, int max_tokens) {
    ChatRequest r = question_request(id);
    r.max_tokens = max_tokens;
    return r;
  }

  // The next `count` requests of this budget whose first arrival the sim's
  // seeded plan answers (`want` kNone) or stalls, then answers.
  std::vector<ChatRequest> take(int max_tokens, size_t count, sim::Fault want) {
    return take(max_tokens, count, {want, sim::Fault::kNone});
  }
  // ... whose first arrivals get the faults `wanted`, in order.
  std::vector<ChatRequest> take(int max_tokens, size_t count,
                                const std::vector<sim::Fault>& wanted) {
    std::vector<ChatRequest> out;
    for (int& i = next_id_; out.size() < count; ++i) {
      ChatRequest r = request(i, max_tokens);
      if (planned_faults(stalls(), kSeed, "sim-local", r, wanted.size()) == wanted)
        out.push_back(std::move(r));
    }
    return out;
  }

  // Sends the requests in one turn of the event loop, the first
  // `longer_chains` of them as calls with one call after them; all must
  // succeed. `later` come one every `gap` from then on, as longer chains too.
  void send(std::vector<ChatRequest> requests, size_t longer_chains = 0,
            std::vector<ChatRequest> later = {}, std::chrono::milliseconds gap = {}) {
    for (size_t i = 0; i < requests.size(); ++i) {
      spawn_call(std::move(requests[i]), i < longer_chains ? 1 : 0, {});
    }
    for (size_t i = 0; i < later.size(); ++i) {
      spawn_call(std::move(later[i]), 1, gap * static_cast<int>(i + 1));
    }
    loop_.run();
  }

  void spawn_call(ChatRequest r, int calls_after, std::chrono::milliseconds after) {
    loop_.spawn([this, calls_after, after, r = std::move(r)]() -> asio::awaitable<void> {
      if (after.count() > 0) {
        asio::steady_timer timer(loop_.io, after);
        co_await timer.async_wait(asio::use_awaitable);
      }
      const ChatOutcome o = co_await client_->chat(r, {.calls_after = calls_after});
      EXPECT_TRUE(o.result.ok()) << o.result.error().message();
    });
  }

  // 100 requests of the hedged budget, for its quantiles, then 62 fillers,
  // all in one turn: when the queue empties, only fillers are still out, so
  // no early copy goes yet, and 5% of the requests allow several.
  void prepare() {
    std::vector<ChatRequest> requests = take(kHedged, 100, sim::Fault::kNone);
    for (int budget : {5, 6})
      for (ChatRequest& r : take(budget, 31, sim::Fault::kNone))
        requests.push_back(std::move(r));
    send(std::move(requests));
  }

  // Seconds from each stalled request's first arrival to its first hedge
  // copy's, in order. (A later copy may stall too, by the plan's own draw.)
  std::vector<double> hedge_gaps() {
    sim_.stop();
    std::vector<double> gaps;
    std::set<std::string> arrived;
    const auto first_and_stalled = [&](const json& e) {
      return arrived.insert(user_text(e)).second && e["fault"] == "stall";
    };
    for (const RetryGap& gap : retry_gaps(sim_.log(), first_and_stalled))
      gaps.push_back(gap.seconds);
    return gaps;
  }

  static constexpr const char* kProfile =
      "[profile.sim-local]\nlatency_base_ms = 200\nlatency_per_token_ms = 0\n"
      "latency_jitter_sigma = 0.5\n";

  Sim sim_;
  Loop loop_;
  std::unique_ptr<LlmClient> client_;
  int next_id_ = 0;
};

TEST_F(IdleHedging, WhileNothingWaitsAStallIsHedgedAfterTheMedianLatencyWithinTheBudget) {
  ASSERT_NE(client_, nullptr);
  prepare();
  // Stalled requests one at a time, so nothing waits. Each adds a request and
  // a copy or two; an early copy is allowed while copies + 1 <= 5% of requests.
  std::vector<bool> early;
  for (const ChatRequest& r : take(kHedged, 10, sim::Fault::kStall)) {
    const ProviderCounters before = client_->counters();
    early.push_back(static_cast<double>(before.hedges + 1) <=
                    0.05 * static_cast<double>(before.requests + 1));
    send({r});
    // More copies while each is slow too: up to five copies, nothing waiting.
    EXPECT_GE(client_->counters().hedges, before.hedges + 1);
    EXPECT_LE(client_->counters().hedges, before.hedges + 4);
  }
  ASSERT_TRUE(early.front()) << "the warm-up left no early copies: the test shows nothing";
  ASSERT_FALSE(early.back()) << "the budget was never spent: the test shows nothing";
  const std::vector<double> gaps = hedge_gaps();
  ASSERT_EQ(gaps.size(), early.size());
  for (size_t k = 0; k < gaps.size(); ++k) {
    if (early[k]) {
      EXPECT_GT(gaps[k], 0.7 * kMedian) << k;
      EXPECT_LT(gaps[k], 0.5 * (kMedian + kLoadedDelay)) << k;
    } else {
      EXPECT_GT(gaps[k], 0.8 * kLoadedDelay) << k;
    }
  }
}

TEST_F(IdleHedging, WhenTheQueueEmptiesEveryStallPastTheMedianIsHedgedThen) {
  ASSERT_NE(client_, nullptr);
  prepare();
  const int64_t hedges_before = client_->counters().hedges;
  // Three stalled requests go first, then 30 fillers wait for the rate (one
  // per 10 ms): the queue empties ~0.3 s later, before the loaded delay, and
  // the budget allows the three copies then. (The first copy to wait for
  // admission must not make the others look loaded.)
  std::vector<ChatRequest> requests = take(kHedged, 3, sim::Fault::kStall);
  for (ChatRequest& r : take(9, 30, sim::Fault::kNone))
    requests.push_back(std::move(r));
  send(std::move(requests));
  EXPECT_GE(client_->counters().hedges, hedges_before + 3);  // (more: a copy was slow too)
  EXPECT_LE(client_->counters().hedges, hedges_before + 12);
  const std::vector<double> gaps = hedge_gaps();
  ASSERT_EQ(gaps.size(), 3u);
  for (double gap : gaps) {
    EXPECT_GT(gap, 0.25);                 // not while requests waited
    EXPECT_LT(gap, 0.85 * kLoadedDelay);  // but as soon as none did
  }
}

TEST_F(IdleHedging, WhileOnlyShorterChainsWaitALongerChainsStallIsHedgedAfterTheMedian) {
  ASSERT_NE(client_, nullptr);
  prepare();
  const int64_t hedges_before = client_->counters().hedges;
  // Three stalled calls with a call after them go first, then 60 fillers
  // that end their chains wait for the rate (one per 10 ms) for ~0.6 s, past
  // the loaded delay. Only shorter chains wait, so the copies go after the
  // median, ahead of the fillers.
  // (Two budgets of 30, so that the fillers are never hedged themselves.)
  std::vector<ChatRequest> requests = take(kHedged, 3, sim::Fault::kStall);
  for (int budget : {9, 10})
    for (ChatRequest& r : take(budget, 30, sim::Fault::kNone))
      requests.push_back(std::move(r));
  send(std::move(requests), /*longer_chains=*/3);
  EXPECT_GE(client_->counters().hedges, hedges_before + 3);
  EXPECT_LE(client_->counters().hedges, hedges_before + 12);
  const std::vector<double> gaps = hedge_gaps();
  ASSERT_EQ(gaps.size(), 3u);
  for (double gap : gaps) {
    EXPECT_GT(gap, 0.7 * kMedian);
    EXPECT_LT(gap, 0.5 * (kMedian + kLoadedDelay));  // while the fillers still waited
  }
}

TEST_F(IdleHedging, WhileALongBacklogOfShorterChainsWaitsAStallIsHedgedOnlyAfterTheLoadedDelay) {
  ASSERT_NE(client_, nullptr);
  prepare();
  const ProviderCounters before = client_->counters();
  // As above, but 150 fillers wait (one per 10 ms) for ~1.5 s: at the
  // median the backlog still lasts longer than the loaded delay. An early
  // copy would take a filler's place for nothing: the stalled chains end
  // (through copies after the loaded delay) before the backlog does.
  std::vector<ChatRequest> requests = take(kHedged, 3, sim::Fault::kStall);
  for (int budget : {9, 10, 11, 12, 13})
    for (ChatRequest& r : take(budget, 30, sim::Fault::kNone))
      requests.push_back(std::move(r));
  ASSERT_LE(static_cast<double>(before.hedges + 3), 0.05 * static_cast<double>(before.requests + 3))
      << "the share allows no early copies: the test shows nothing";
  send(std::move(requests), /*longer_chains=*/3);
  EXPECT_GE(client_->counters().hedges, before.hedges + 3);
  const std::vector<double> gaps = hedge_gaps();
  ASSERT_EQ(gaps.size(), 3u);
  for (double gap : gaps) {
    EXPECT_GT(gap, 0.8 * kLoadedDelay);
    EXPECT_LT(gap, 1.0);  // long before the backlog drained
  }
}

TEST_F(IdleHedging, WhileLongerChainsKeepComingAStallIsHedgedOnlyAfterTheLoadedDelay) {
  ProviderConfig c = config();
  c.hedge_min_delay_seconds = 0.05;
  client_ = make_client(loop_, c);
  ASSERT_NE(client_, nullptr);
  prepare();
  const ProviderCounters before = client_->counters();
  // Three stalled calls with a call after them and 40 fillers go at once;
  // then a new call with a call after it every 25 ms for 0.8 s, admitted
  // ahead of the fillers. The backlog stays short (~0.3 s), but the stalled
  // chains are not the last of their length: the newer ones end after them
  // whatever a copy does, so copies wait for the loaded delay.
  std::vector<ChatRequest> requests = take(kHedged, 3, sim::Fault::kStall);
  for (int budget : {9, 10})
    for (ChatRequest& r : take(budget, 20, sim::Fault::kNone))
      requests.push_back(std::move(r));
  std::vector<ChatRequest> later;
  for (int budget : {11, 12})
    for (ChatRequest& r : take(budget, 16, sim::Fault::kNone))
      later.push_back(std::move(r));
  ASSERT_LE(static_cast<double>(before.hedges + 3), 0.05 * static_cast<double>(before.requests + 3))
      << "the share allows no early copies: the test shows nothing";
  send(std::move(requests), /*longer_chains=*/3, std::move(later), std::chrono::milliseconds(25));
  EXPECT_GE(client_->counters().hedges, before.hedges + 3);
  const std::vector<double> gaps = hedge_gaps();
  ASSERT_EQ(gaps.size(), 3u);
  for (double gap : gaps) {
    EXPECT_GT(gap, 0.8 * kLoadedDelay);
    EXPECT_LT(gap, 1.0);
  }
}

TEST_F(IdleHedging, TheLastStallsOfABacklogAreAllHedgedAfterTheMedianBeyondTheBudget) {
  ASSERT_NE(client_, nullptr);
  prepare();
  const ProviderCounters before = client_->counters();
  // 40 fillers, then 20 stalled requests, in one turn: the stalls are the
  // last of the backlog (one per 10 ms, sent 0.4-0.6 s in). Once it has
  // drained, each gets its copy after the median, although the share (5% of
  // the requests) allows fewer; within the share alone, the others would
  // wait the loaded delay.
  constexpr size_t kStalls = 20;
  std::vector<ChatRequest> requests;
  for (int budget : {9, 10})
    for (ChatRequest& r : take(budget, 20, sim::Fault::kNone))
      requests.push_back(std::move(r));
  for (ChatRequest& r : take(kHedged, kStalls, sim::Fault::kStall))
    requests.push_back(std::move(r));
  const double share_allows = 0.05 * static_cast<double>(before.requests + 40 + kStalls) -
                              static_cast<double>(before.hedges);
  ASSERT_LT(share_allows, kStalls - 5.0)
      << "the share alone allows the copies: the test shows nothing";
  send(std::move(requests));
  EXPECT_GE(client_->counters().hedges, before.hedges + static_cast<int64_t>(kStalls));
  const std::vector<double> gaps = hedge_gaps();
  ASSERT_EQ(gaps.size(), kStalls);
  for (double gap : gaps) {
    EXPECT_GT(gap, 0.7 * kMedian);
    EXPECT_LT(gap, 0.5 * (kMedian + kLoadedDelay));
  }
}

TEST_F(IdleHedging, InTheLastStretchEveryStallIsHedgedAfterTheMedianBeyondTheBudget) {
  ASSERT_NE(client_, nullptr);
  prepare();
  // Stalls one at a time until the share of early copies (5% of the
  // requests) is spent: a stall then waits the loaded delay.
  const auto share_allows_a_copy = [&] {
    const ProviderCounters c = client_->counters();
    return static_cast<double>(c.hedges + 1) <= 0.05 * static_cast<double>(c.requests + 1);
  };
  size_t spending = 0;
  for (; spending < 20 && share_allows_a_copy(); ++spending)
    send(take(kHedged, 1, sim::Fault::kStall));
  ASSERT_FALSE(share_allows_a_copy()) << "the share was never spent: the test shows nothing";
  // Then the caller says the run is in its last stretch while a stall is
  // under way, 0.3 s in (past the median, short of the loaded delay): its
  // copy goes at once. The stalls after it are hedged after the median.
  std::vector<ChatRequest> stalls = take(kHedged, 4, sim::Fault::kStall);
  spawn_call(stalls[0], 0, {});
  asio::steady_timer timer(loop_.io, std::chrono::milliseconds(300));
  timer.async_wait([&](const boost::system::error_code&) { client_->set_last_stretch(); });
  loop_.run();
  for (size_t k = 1; k < stalls.size(); ++k)
    send({stalls[k]});
  const std::vector<double> gaps = hedge_gaps();
  ASSERT_EQ(gaps.size(), spending + stalls.size());
  EXPECT_GT(gaps[spending], 0.29);
  EXPECT_LT(gaps[spending], 0.8 * kLoadedDelay);
  for (size_t k = spending + 1; k < gaps.size(); ++k) {
    EXPECT_GT(gaps[k], 0.7 * kMedian) << k;
    EXPECT_LT(gaps[k], 0.5 * (kMedian + kLoadedDelay)) << k;
  }
}

TEST_F(IdleHedging, ThreeStallsInARowOfTheLastRequestAreHedgedPastWithoutATimeout) {
  ASSERT_NE(client_, nullptr);
  prepare();
  // Alone, nothing waiting: a copy delays nobody. Its first three arrivals
  // stall for a minute; with one attempt and a 30 s timeout, the call
  // succeeds only through a fourth copy.
  constexpr sim::Fault kStall = sim::Fault::kStall;
  const std::vector<ChatRequest> last =
      take(kHedged, 1, {kStall, kStall, kStall, sim::Fault::kNone});
  const ProviderCounters before = client_->counters();
  send(last);
  EXPECT_GE(client_->counters().hedges, before.hedges + 3);
  sim_.stop();
  size_t arrivals = 0;
  for (const json& e : sim_.log())
    arrivals += user_text(e) == last[0].messages.back().content;
  EXPECT_GE(arrivals, 4u);
}

TEST(LlmClientSim, HedgingOffLeavesAStallToTheTimeout) {
  FaultRates faults;
  faults.stall = 1.0;
  faults.stall_seconds = 60;
  Sim sim(faults);
  Loop loop;
  ProviderConfig config = sim.provider();
  config.timeout_seconds = 0.3;
  config.max_attempts = 2;
  config.hedge_after = 0;
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  const auto outcomes = chat_all(loop, *client, 3);
  for (const ChatOutcome& o : outcomes)
    EXPECT_EQ(o.failure, FailureKind::kTimeout);
  EXPECT_EQ(client->counters().hedges, 0);
  EXPECT_EQ(client->counters().requests, 6);
}

TEST(HttpEngineSim, ACancelledTransferNeverCallsBackAndFreesItsSlot) {
  Sim sim(FaultRates{.stall = 1.0, .stall_seconds = 60});
  Loop loop;
  HttpRequest request;
  request.url = sim.provider().base_url + "/chat/completions";
  request.body = to_body(encode_chat_request(question_request(0), "sim-local", {}));
  request.timeout = std::chrono::milliseconds(30'000);
  bool called = false;
  const HttpEngine::TransferId id =
      loop.engine.start(request, [&](const HttpResponse&) { called = true; });
  EXPECT_EQ(loop.engine.in_flight(), 1u);
  // Cancel once the request has reached the server.
  asio::steady_timer timer(loop.io, std::chrono::milliseconds(300));
  bool cancelled = false, again = true;
  timer.async_wait([&](const boost::system::error_code&) {
    cancelled = loop.engine.cancel(id);
    again = loop.engine.cancel(id);
  });
  loop.run();  // returns at once: nothing is left to wait for
  EXPECT_TRUE(cancelled);
  EXPECT_FALSE(again);
  EXPECT_FALSE(called);
  EXPECT_EQ(loop.engine.in_flight(), 0u);
  sim.stop();
  EXPECT_EQ(sim.log().size(), 1u);
}

TEST(LlmClientSim, AfterAQuotaFailureCallsFailWithoutARequest) {
  Sim sim(FaultRates{}, "", 11, {{"sim-local", 5}});  // five answers, then out of credit
  Loop loop;
  ProviderConfig config = sim.provider();
  config.max_in_flight = 2;
  config.min_in_flight = 2;
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  const auto outcomes = chat_all(loop, *client, 40);
  int ok = 0, not_sent = 0;
  for (const ChatOutcome& o : outcomes) {
    if (o.result.ok()) {
      ++ok;
      continue;
    }
    EXPECT_EQ(o.failure, FailureKind::kQuota) << o.result.error().message();
    EXPECT_NE(o.result.error().message().find("exceeded your current quota"), std::string::npos)
        << o.result.error().message();
    not_sent += o.attempts == 0 ? 1 : 0;
  }
  EXPECT_EQ(ok, 5);
  sim.stop();
  size_t refused = 0;
  for (const json& e : sim.log())
    refused += e["fault"] == "quota" ? 1 : 0;
  // Only the calls in flight with the first refusal (two slots) were refused
  // by the provider; the others were never sent.
  EXPECT_GE(refused, 1u);
  EXPECT_LE(refused, 2u);
  EXPECT_EQ(not_sent, 35 - static_cast<int>(refused));
  EXPECT_EQ(sim.log().size(), 5 + refused);
}

TEST(LlmClientSim, A400SurfacesTheServerMessageWithoutRetry) {
  Sim sim;
  Loop loop;
  auto client = make_client(loop, sim.provider());
  ASSERT_NE(client, nullptr);
  ChatRequest request = question_request(0);
  request.extra = {{"stream", true}};  // the sim refuses streaming with a 400
  ChatOutcome outcome;
  loop.spawn([&]() -> asio::awaitable<void> { outcome = co_await client->chat(request); });
  loop.run();
  ASSERT_FALSE(outcome.result.ok());
  EXPECT_EQ(outcome.failure, FailureKind::kClient);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_EQ(outcome.result.error().message(),
            "sim: HTTP 400: 'stream' is not supported by the simulator");
  sim.stop();
  EXPECT_EQ(sim.log().size(), 1u);
}

TEST(LlmClientSim, ConnectionRefusedIsReportedAsAConnectError) {
  ProviderConfig config;
  {
    Sim sim;
    config = sim.provider();
  }  // the port is closed now
  config.max_attempts = 2;
  Loop loop;
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  const auto outcomes = chat_all(loop, *client, 1);
  ASSERT_FALSE(outcomes[0].result.ok());
  EXPECT_EQ(outcomes[0].failure, FailureKind::kTransport);
  EXPECT_EQ(outcomes[0].attempts, 2);
  EXPECT_NE(outcomes[0].result.error().message().find("connect error for http://127.0.0.1:"),
            std::string::npos)
      << outcomes[0].result.error().message();
}

TEST(LlmClientSim, ACacheHitSendsNothing) {
  Sim sim;
  auto cache = open_response_cache(sim.dir() / "cache.db");
  ASSERT_TRUE(cache.ok()) << cache.error().message();
  Loop loop;
  auto client = make_client(loop, sim.provider(), cache->get());
  ASSERT_NE(client, nullptr);

  const auto first = chat_all(loop, *client, 3);
  const auto again = chat_all(loop, *client, 3);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(again[static_cast<std::size_t>(i)].from_cache);
    EXPECT_EQ(again[static_cast<std::size_t>(i)].attempts, 0);
    EXPECT_EQ(again[static_cast<std::size_t>(i)].result->choices[0].content,
              first[static_cast<std::size_t>(i)].result->choices[0].content);
  }
  EXPECT_EQ(client->counters().cache_hits, 3);
  // Another sample index, refresh and bypass all send; errors are not cached.
  chat_all(loop, *client, 1, {.sample_index = 1});
  chat_all(loop, *client, 1, {.cache = CacheMode::kRefresh});
  chat_all(loop, *client, 1, {.cache = CacheMode::kBypass});
  ChatRequest bad = question_request(0);
  bad.extra = {{"stream", true}};
  for (int i = 0; i < 2; ++i) {
    loop.spawn([&]() -> asio::awaitable<void> { (void)co_await client->chat(bad); });
    loop.run();
  }
  sim.stop();
  EXPECT_EQ(sim.log().size(), 3u + 3u + 2u);
}

// Two clients on one cache, as two workers on one store: a call of B that
// waits for admission finds in the cache the answer A got meanwhile, and
// sends nothing. A answers request 1 at 0.3 s; B's slot is busy with request
// 2 from 0.1 s to 0.4 s, and B's request 1 (asked at 0.15 s, not yet
// cached then) is admitted only at 0.4 s.
TEST(LlmClientSim, ACallThatWaitedForAdmissionTakesAnAnswerCachedMeanwhile) {
  Sim sim(SimOptions{.time_scale = 1},
          "[profile.slow]\nlatency_base_ms = 300\nlatency_per_token_ms = 0\n"
          "latency_jitter_sigma = 0\n");
  auto cache_a = open_response_cache(sim.dir() / "cache.db");
  auto cache_b = open_response_cache(sim.dir() / "cache.db");
  ASSERT_TRUE(cache_a.ok() && cache_b.ok());
  Loop loop;
  auto a = make_client(loop, sim.provider("slow"), cache_a->get());
  ProviderConfig one_at_a_time = sim.provider("slow");
  one_at_a_time.min_in_flight = 1;
  one_at_a_time.max_in_flight = 1;
  auto b = make_client(loop, one_at_a_time, cache_b->get());
  ASSERT_TRUE(a && b);
  ChatOutcome from_a, other_of_b, from_b;
  const auto after = [&](double seconds) -> asio::awaitable<void> {
    asio::steady_timer timer(loop.io);
    timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(seconds)));
    co_await timer.async_wait(asio::use_awaitable);
  };
  loop.spawn([&]() -> asio::awaitable<void> { from_a = co_await a->chat(question_request(1)); });
  loop.spawn([&]() -> asio::awaitable<void> {
    co_await after(0.1);
    other_of_b = co_await b->chat(question_request(2));
  });
  loop.spawn([&]() -> asio::awaitable<void> {
    co_await after(0.15);
    from_b = co_await b->chat(question_request(1));
  });
  loop.run();
  ASSERT_TRUE(from_a.result.ok() && other_of_b.result.ok() && from_b.result.ok());
  EXPECT_FALSE(from_a.from_cache);
  EXPECT_TRUE(from_b.from_cache);
  EXPECT_EQ(from_b.attempts, 0);
  EXPECT_EQ(from_b.result->choices.at(0).content, from_a.result->choices.at(0).content);
  EXPECT_EQ(b->counters().requests, 1) << "only request 2";
  EXPECT_EQ(b->counters().cache_hits, 1);
  sim.stop();
  EXPECT_EQ(sim.log().size(), 2u);
}

// A cache that fails (here: its table dropped, as in a damaged file) is
// counted on each read and write, and the calls are sent and answered anyway.
// Ten identical requests at once: one is sent, and all ten get its answer.
TEST(LlmClientSim, IdenticalRequestsInFlightAreSentOnce) {
  Sim sim;
  auto cache = open_response_cache(sim.dir() / "cache.db");
  ASSERT_TRUE(cache.ok());
  Loop loop;
  auto client = make_client(loop, sim.provider(), cache->get());
  ASSERT_NE(client, nullptr);
  std::vector<ChatOutcome> outcomes(10);
  for (auto& outcome : outcomes) {
    loop.spawn(
        [&]() -> asio::awaitable<void> { outcome = co_await client->chat(question_request(3)); });
  }
  loop.run();
  for (const ChatOutcome& o : outcomes) {
    ASSERT_TRUE(o.result.ok()) << o.result.error().message();
    EXPECT_EQ(o.result->choices.at(0).content, outcomes[0].result->choices.at(0).content);
  }
  EXPECT_EQ(client->counters().calls, 10);
  EXPECT_EQ(client->counters().requests, 1);
  EXPECT_EQ(client->counters().cache_hits, 9);
  sim.stop();
  EXPECT_EQ(sim.log().size(), 1u);
}

TEST(LlmClientSim, CacheErrorsAreCountedAndTheCallsGoOn) {
  Sim sim;
  const auto path = sim.dir() / "cache.db";
  auto cache = open_response_cache(path);
  ASSERT_TRUE(cache.ok()) << cache.error().message();
  {
    auto db = sqlite::Database::open(path, sqlite::OpenMode::kReadWrite);
    ASSERT_TRUE(db.ok()) << db.error().message();
    ASSERT_TRUE(db->exec("DROP TABLE responses", "drop").ok());
  }
  Loop loop;
  auto client = make_client(loop, sim.provider(), cache->get());
  ASSERT_NE(client, nullptr);
  for (const ChatOutcome& o : chat_all(loop, *client, 2)) {
    ASSERT_TRUE(o.result.ok()) << o.result.error().message();
    EXPECT_FALSE(o.from_cache);
  }
  EXPECT_EQ(client->counters().cache_errors, 4);  // a failed read and write per call
  EXPECT_EQ(client->counters().cache_hits, 0);
  EXPECT_NE(client->counters().cache_error.find(path.string() + ": cannot store a response"),
            std::string::npos)
      << client->counters().cache_error;
  sim.stop();
  EXPECT_EQ(sim.log().size(), 2u);
}

TEST(LlmClientSim, TheApiKeyAppearsInNoLogDatabaseOrOutput) {
  const std::string key = "sk-privqa-FAKE-KEY-7f3a9c1e5b";
  ASSERT_EQ(setenv("PRIVQA_TEST_FAKE_KEY", key.c_str(), 1), 0);
  FaultRates faults;
  faults.rate_500 = 0.3;
  Sim sim(faults);
  auto cache = open_response_cache(sim.dir() / "cache.db");
  ASSERT_TRUE(cache.ok());
  Loop loop;
  ProviderConfig config = sim.provider();
  config.api_key_env = "PRIVQA_TEST_FAKE_KEY";
  auto client = make_client(loop, config, cache->get());
  ASSERT_NE(client, nullptr);
  std::string debug_output;
  client->set_debug_sink([&](std::string_view s) { debug_output += s; });
  std::string messages;
  for (const ChatOutcome& o : chat_all(loop, *client, 30)) {
    messages += o.result.ok() ? o.result->choices[0].content : o.result.error().message();
  }
  ChatRequest bad = question_request(0);
  bad.extra = {{"stream", true}};
  loop.spawn([&]() -> asio::awaitable<void> {
    messages += (co_await client->chat(bad)).result.error().message();
  });
  loop.run();
  client.reset();
  cache->reset();
  sim.stop();
  unsetenv("PRIVQA_TEST_FAKE_KEY");

  // The key was sent...
  for (const json& e : sim.log())
    EXPECT_TRUE(e["authorization_present"].get<bool>());
  EXPECT_NE(debug_output.find("Authorization: [redacted]"), std::string::npos);
  // ...and is nowhere else: not in any file the run wrote, nor in what it returned.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(sim.dir().path())) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string contents((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(contents.find(key), std::string::npos) << entry.path();
    EXPECT_EQ(contents.find("FAKE-KEY"), std::string::npos) << entry.path();
    ++files;
  }
  EXPECT_GE(files, 2);  // the request log and the cache database (+ WAL)
  EXPECT_EQ(debug_output.find("FAKE-KEY"), std::string::npos);
  EXPECT_EQ(messages.find("FAKE-KEY"), std::string::npos);
}

// A server quoting the key it got in its 401: the call fails at once (a
// client error), its message keeps the server's words but not the key.
TEST(LlmClientSim, AKeyTheServerQuotesBackIsRedactedFromTheError) {
  ASSERT_EQ(setenv("PRIVQA_TEST_WRONG_KEY", "sk-privqa-WRONG-e5b1c", 1), 0);
  Sim sim(SimOptions{.time_scale = 0, .api_key = "sk-privqa-right"}, "");
  Loop loop;
  ProviderConfig config = sim.provider();
  config.api_key_env = "PRIVQA_TEST_WRONG_KEY";
  auto client = make_client(loop, config);
  unsetenv("PRIVQA_TEST_WRONG_KEY");
  ASSERT_NE(client, nullptr);
  const std::vector<ChatOutcome> outcomes = chat_all(loop, *client, 1);
  ASSERT_EQ(outcomes.size(), 1u);
  ASSERT_FALSE(outcomes[0].result.ok());
  EXPECT_EQ(outcomes[0].failure, FailureKind::kClient);
  EXPECT_EQ(outcomes[0].result.error().message(),
            "sim: HTTP 401: Incorrect API key provided: [redacted]. Check the key of this "
            "account (simulated).");
  sim.stop();
  ASSERT_EQ(sim.log().size(), 1u);
  EXPECT_EQ(sim.log()[0]["fault"], "unauthorized");
}

// A provider answering every request 500: the first failures open the
// breaker, the calls wait rather than spend their six attempts, one probe at
// a time tries the provider, and after give_up_after every call fails as
// kDown. Without the breaker the 100 calls would send 600 requests.
TEST(LlmClientSim, ADeadProviderCostsABurstAndAFewProbesThenIsGivenUp) {
  FaultRates faults;
  faults.rate_500 = 1.0;
  Sim sim(faults);
  Loop loop;
  ProviderConfig config = sim.provider();
  config.give_up_after_seconds = 2.5;
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  const std::vector<ChatOutcome> outcomes = chat_all(loop, *client, 100);
  for (const ChatOutcome& o : outcomes) {
    ASSERT_FALSE(o.result.ok());
    EXPECT_EQ(o.failure, FailureKind::kDown) << o.result.error().message();
    EXPECT_EQ(o.result.error().message().rfind("provider sim failed every attempt for ", 0), 0u)
        << o.result.error().message();
    EXPECT_NE(o.result.error().message().find("the last failure: sim: HTTP 500"),
              std::string::npos);
  }
  sim.stop();
  // Before the breaker opens: first attempts (at most 100) and retries of
  // the at most 7 calls whose failures came before the 8th. After it: one
  // probe at 1 s; the next would be due at 3 s, past the deadline at 2.5 s.
  // The burst ends at the first pause of 0.5 s (the breaker waits 1 s for
  // its probe); a loaded machine stretches the burst but does not pause it.
  const std::vector<json> log = sim.log();
  ASSERT_FALSE(log.empty());
  double previous = log.front()["time"].get<double>();
  bool in_burst = true;
  size_t early = 0, probes = 0;
  for (const json& e : log) {
    const double t = e["time"].get<double>();
    if (t - previous >= 0.5) in_burst = false;
    (in_burst ? early : probes) += 1;
    previous = t;
  }
  EXPECT_LE(early, 100u + 7);
  EXPECT_EQ(probes, 1u);
}

// A provider that comes back: the calls wait while it is down and all
// finish once a probe gets through.
// A port on which nothing listens (a simulator's, closed again).
uint16_t closed_port() {
  auto server = SimServer::start({.questions = sample_questions()});
  EXPECT_TRUE(server.ok());
  return server.ok() ? (*server)->port() : 1;
}

// After `timer`'s delay, starts a simulator with `options` (on a port
// closed until then: a provider that comes back) into `server`.
void reopen_after(asio::steady_timer& timer, std::unique_ptr<SimServer>& server,
                  const SimOptions& options) {
  timer.async_wait([&server, options](const boost::system::error_code&) {
    auto started = SimServer::start(options);
    EXPECT_TRUE(started.ok()) << started.error().message();
    if (started.ok()) server = std::move(*started);
  });
}

TEST(LlmClientSim, CallsWaitForAProviderThatComesBack) {
  const uint16_t port = closed_port();
  Loop loop;
  ProviderConfig config;
  config.name = "sim";
  config.base_url = fmt::format("http://127.0.0.1:{}/v1", port);
  config.model = "sim-local";
  // Three attempts, their backoff under 0.5 + 1 s: on their own, all would
  // fail before the provider is back at 1.5 s.
  config.max_attempts = 3;
  config.backoff_seconds = 0.5;
  config.give_up_after_seconds = 60;
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  std::unique_ptr<SimServer> back;
  asio::steady_timer reopen(loop.io, std::chrono::milliseconds(1500));
  reopen_after(reopen, back, {.questions = sample_questions(), .port = port});
  const std::vector<ChatOutcome> outcomes = chat_all(loop, *client, 20);
  for (const ChatOutcome& o : outcomes)
    EXPECT_TRUE(o.result.ok()) << o.result.error().message();
  EXPECT_NE(back, nullptr);
}

// A reply without usage is counted with tokens estimated from the texts
// (four bytes a token, rounded up) and flagged as estimated, not as free.
TEST(LlmClientSim, AReplyWithoutUsageIsCountedAsEstimated) {
  Sim sim(SimOptions{.time_scale = 0, .omit_usage = true}, "");
  Loop loop;
  ProviderConfig config = sim.provider();
  config.input_price_per_million = 1e6;  // a unit a token: the cost is the token count
  config.output_price_per_million = 1e6;
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  const std::vector<ChatOutcome> outcomes = chat_all(loop, *client, 1);
  ASSERT_TRUE(outcomes[0].result.ok()) << outcomes[0].result.error().message();
  const ChatRequest request = question_request(0);
  int64_t prompt = 0;
  for (const ChatMessage& m : request.messages)
    prompt += static_cast<int64_t>((m.content.size() + 3) / 4);
  const std::string& reply = outcomes[0].result->choices.at(0).content;
  const auto completion = static_cast<int64_t>((reply.size() + 3) / 4);
  ASSERT_GT(prompt, 0);
  ASSERT_GT(completion, 0);
  EXPECT_TRUE(outcomes[0].result->usage.estimated);
  EXPECT_EQ(outcomes[0].result->usage.prompt_tokens, prompt);
  EXPECT_EQ(outcomes[0].result->usage.completion_tokens, completion);
  const ProviderCounters& k = client->counters();
  EXPECT_EQ(k.estimated_usage, 1);
  EXPECT_EQ(k.tokens_in, prompt);
  EXPECT_EQ(k.tokens_out, completion);
  EXPECT_DOUBLE_EQ(k.cost, static_cast<double>(prompt + completion));
}

TEST(LlmClientSim, EmbeddingsRoundTrip) {
  Sim sim;
  Loop loop;
  auto client = make_client(loop, sim.provider());
  ASSERT_NE(client, nullptr);
  EmbeddingRequest request;
  request.inputs = {"scurvy", "wrist drop", "tuberculosis"};
  EmbeddingOutcome outcome;
  loop.spawn([&]() -> asio::awaitable<void> { outcome = co_await client->embed(request); });
  loop.run();
  ASSERT_TRUE(outcome.result.ok()) << outcome.result.error().message();
  ASSERT_EQ(outcome.result->vectors.size(), 3u);
  EXPECT_GT(outcome.result->vectors[0].size(), 0u);
  EXPECT_EQ(outcome.result->vectors[0].size(), outcome.result->vectors[2].size());
  EXPECT_NE(outcome.result->vectors[0], outcome.result->vectors[1]);
}

TEST(LlmClient, CreateFailsWhenTheKeyVariableIsUnsetAndNamesOnlyTheVariable) {
  Loop loop;
  ProviderConfig config;
  config.name = "remote";
  config.base_url = "https://api.example.com/v1";
  config.model = "m";
  config.api_key_env = "PRIVQA_TEST_UNSET_VARIABLE";
  unsetenv("PRIVQA_TEST_UNSET_VARIABLE");
  auto client = LlmClient::create(loop.engine, config);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().message(),
            "provider remote: environment variable PRIVQA_TEST_UNSET_VARIABLE (api_key_env) is "
            "not set");
}

// Replies take 0.3 s and one request is in flight at a time: of three calls
// sent together, the second waits for admission about one reply's time and
// the third about two, while each spends about 0.3 s with the provider.
const char* kSteadyProfile = R"(
[profile.sim-steady]
latency_base_ms = 300
latency_per_token_ms = 0
latency_jitter_sigma = 0
)";

TEST(LlmClientSim, TellsTimeWaitingForAdmissionFromTimeWithTheProvider) {
  Sim sim(FaultRates{}, kSteadyProfile, 11, {}, /*time_scale=*/1.0);
  Loop loop;
  ProviderConfig config = sim.provider("sim-steady");
  config.max_in_flight = 1;
  config.hedge_after = 0;  // a 0.3 s reply is no stall
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  std::vector<ChatOutcome> outcomes = chat_all(loop, *client, 3);
  for (const ChatOutcome& o : outcomes)
    ASSERT_TRUE(o.result.ok()) << o.result.error().message();
  std::sort(outcomes.begin(), outcomes.end(), [](const ChatOutcome& a, const ChatOutcome& b) {
    return a.admission_seconds < b.admission_seconds;
  });
  for (int i = 0; i < 3; ++i) {
    const ChatOutcome& o = outcomes[static_cast<size_t>(i)];
    EXPECT_GE(o.provider_seconds, 0.29) << i;
    EXPECT_LT(o.provider_seconds, 1.0) << i;
    EXPECT_GE(o.admission_seconds, 0.29 * i) << i;
    EXPECT_LT(o.admission_seconds, 0.29 * i + 0.25) << i;
  }
}

// Replicas of one model (ProviderConfig::replicas), each a simulator.

// The most requests a simulator held at once by its log: each from its
// arrival for its reply's latency. A reply leaves no sooner, so the
// client had at least this many in flight there.
int peak_in_flight(const std::vector<json>& log) {
  std::vector<std::pair<double, int>> edges;  // (time, +1 arrival / -1 reply)
  for (const json& e : log) {
    const double arrival = e["time"].get<double>();
    edges.emplace_back(arrival, 1);
    edges.emplace_back(arrival + e["delay"].get<double>(), -1);
  }
  std::sort(edges.begin(), edges.end());  // a reply before an arrival at the same time
  int now = 0, peak = 0;
  for (const auto& [time, step] : edges)
    peak = std::max(peak, now += step);
  return peak;
}

std::string v1_url(uint16_t port) {
  return fmt::format("http://127.0.0.1:{}/v1", port);
}

TEST(LlmClientSim, ReplicasShareTheCallsAndEachKeepsItsOwnCeiling) {
  Sim a(FaultRates{}, kSteadyProfile, 11, {}, /*time_scale=*/1.0);
  Sim b(FaultRates{}, kSteadyProfile, 12, {}, /*time_scale=*/1.0);
  Loop loop;
  ProviderConfig config = a.provider("sim-steady");
  config.replicas = {{config.base_url, 2}, {b.provider().base_url, 0}};
  config.max_in_flight = 8;
  config.hedge_after = 0;  // a 0.3 s reply is no stall
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  for (const ChatOutcome& o : chat_all(loop, *client, 60))
    ASSERT_TRUE(o.result.ok()) << o.result.error().message();
  const auto log_a = a.log(), log_b = b.log();
  EXPECT_EQ(log_a.size() + log_b.size(), 60u);  // each call sent once
  EXPECT_GT(log_a.size(), 0u);
  // Least loaded by the share of its ceiling: b's is four times a's.
  EXPECT_GT(log_b.size(), 2 * log_a.size());
  EXPECT_LE(peak_in_flight(log_a), 2);
  EXPECT_LE(peak_in_flight(log_b), 8);
  EXPECT_GT(peak_in_flight(log_b), 2);
  const ProviderCounters& k = client->counters();
  ASSERT_EQ(k.replicas.size(), 2u);
  EXPECT_EQ(k.replicas[0].requests, static_cast<int64_t>(log_a.size()));
  EXPECT_EQ(k.replicas[1].requests, static_cast<int64_t>(log_b.size()));
  EXPECT_EQ(describe_replicas(k),
            fmt::format("replicas 1: {} req; 2: {} req", log_a.size(), log_b.size()));
}

TEST(LlmClientSim, AReplicaThatFailsIsTakenOutAndTheOthersAnswerEveryCall) {
  Sim live;
  Loop loop;
  ProviderConfig config = live.provider();
  // The dead replica first: on a tie in load it would be chosen.
  config.replicas = {{v1_url(closed_port()), 0}, {config.base_url, 0}};
  config.base_url = config.replicas.front().base_url;
  config.max_in_flight = 16;
  config.max_attempts = 2;  // a retry goes to another replica first
  config.hedge_after = 0;
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  for (const ChatOutcome& o : chat_all(loop, *client, 200))
    ASSERT_TRUE(o.result.ok()) << o.result.error().message();
  EXPECT_EQ(live.log().size(), 200u);
  const ProviderCounters& k = client->counters();
  ASSERT_EQ(k.replicas.size(), 2u);
  EXPECT_EQ(k.replicas[1].requests, 200);
  EXPECT_EQ(k.replicas[0].failed, k.replicas[0].requests);
  // Its share of the first burst, at most: then it is out of rotation (its
  // first probe comes after 1 s, when these calls are long done).
  EXPECT_GE(k.replicas[0].requests, 3);
  EXPECT_LE(k.replicas[0].requests, 16);
  EXPECT_TRUE(k.replicas[0].out);
  EXPECT_EQ(k.replicas[0].taken_out, 1);
  EXPECT_EQ(k.retries, k.replicas[0].requests);
  EXPECT_NE(
      describe_replicas(k).find(fmt::format("1: {0} req, {0} failed, out", k.replicas[0].requests)),
      std::string::npos)
      << describe_replicas(k);
}

TEST(LlmClientSim, AReplicaOutOfRotationIsProbedAndTakenBackWhenItAnswers) {
  const uint16_t port = closed_port();
  Sim live;
  Loop loop;
  ProviderConfig config = live.provider();
  config.replicas = {{v1_url(port), 0}, {config.base_url, 0}};
  config.base_url = config.replicas.front().base_url;
  config.max_in_flight = 16;
  config.hedge_after = 0;
  auto client = make_client(loop, config);
  ASSERT_NE(client, nullptr);
  // Calls in three waves: at 0 s (the replica is down and is taken out), at
  // 2.5 s (back since 0.5 s; its probe is due) and at 3.5 s.
  std::unique_ptr<SimServer> back;
  asio::steady_timer reopen(loop.io, std::chrono::milliseconds(500));
  reopen_after(
      reopen, back,
      {.questions = sample_questions(), .log_path = live.dir() / "back.jsonl", .port = port});
  std::vector<ChatOutcome> outcomes(60);
  std::vector<std::unique_ptr<asio::steady_timer>> waves;
  for (int wave = 0; wave < 3; ++wave) {
    waves.push_back(std::make_unique<asio::steady_timer>(
        loop.io, std::chrono::milliseconds(std::array{0, 2500, 3500}[wave])));
    waves.back()->async_wait([&, wave](const boost::system::error_code&) {
      for (int i = 20 * wave; i < 20 * wave + 20; ++i) {
        loop.spawn([&, i]() -> asio::awaitable<void> {
          outcomes[static_cast<size_t>(i)] = co_await client->chat(question_request(i));
        });
      }
    });
  }
  loop.run();
  for (const ChatOutcome& o : outcomes)
    ASSERT_TRUE(o.result.ok()) << o.result.error().message();
  ASSERT_NE(back, nullptr);
  const ProviderCounters& k = client->counters();
  EXPECT_EQ(k.replicas[0].taken_out, 1);
  EXPECT_FALSE(k.replicas[0].out);
  // The probe of the second wave, then a share of the third.
  std::ifstream log(live.dir() / "back.jsonl");
  int answered = 0;
  for (std::string line; std::getline(log, line);)
    answered += !line.empty();
  EXPECT_GE(answered, 5);
  EXPECT_EQ(k.replicas[0].requests - k.replicas[0].failed, answered);
}

}  // namespace
}  // namespace privqa
