// The simulator over real HTTP on 127.0.0.1: request kinds, determinism, rate
// limits, injected faults as a client sees them, the request log, binding.
#include "privqa/sim/sim_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "sim/sim_http_client.h"
#include "sim/sim_questions.h"
#include "testing.h"

namespace privqa {
namespace {

using nlohmann::json;
using testing::HttpReply;
using testing::SimHttpClient;

SimOptions base_options() {
  SimOptions options;
  options.questions = testing::sim_test_questions();
  options.seed = 11;
  options.time_scale = 0;
  return options;
}

std::unique_ptr<SimServer> start(SimOptions options) {
  auto server = SimServer::start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.error().message();
  return server.ok() ? std::move(*server) : nullptr;
}

std::string chat(const std::string& model, const std::string& content, int n = 1) {
  return json{{"model", model}, {"n", n}, {"messages", {{{"role", "user"}, {"content", content}}}}}
      .dump();
}

std::vector<json> read_log(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(json::parse(line));
  return lines;
}

const char* kAnswerPrompt =
    "Question: Koplik spots on the buccal mucosa are pathognomonic of which viral infection?\n"
    "A) Measles\nB) Mumps\nC) Rubella\nD) Varicella\n"
    "Answer with the letter of the correct option.";

TEST(SimServer, ServesEachRequestKindOnOneKeepAliveConnection) {
  auto server = start(base_options());
  ASSERT_TRUE(server);
  SimHttpClient client(server->port());

  const HttpReply answer = client.post("/v1/chat/completions", chat("sim-remote", kAnswerPrompt));
  ASSERT_EQ(answer.status, 200) << answer.body << answer.transport_error;
  EXPECT_EQ(answer.header("content-type"), "application/json");
  const std::string answer_text = json::parse(answer.body)["choices"][0]["message"]["content"];
  EXPECT_LT(answer_text.size(), 80u) << answer_text;  // a short answer, not an essay

  const HttpReply cot = client.post(
      "/v1/chat/completions", chat("sim-remote",
                                   "Think step by step: Koplik spots on the buccal mucosa are "
                                   "pathognomonic of which viral infection?"));
  ASSERT_EQ(cot.status, 200);
  const std::string cot_text = json::parse(cot.body)["choices"][0]["message"]["content"];
  EXPECT_GT(cot_text.size(), 100u);
  EXPECT_EQ(cot_text.find("Answer:"), std::string::npos);

  const HttpReply paraphrase = client.post(
      "/v1/chat/completions",
      chat("sim-local",
           "Paraphrase this question, removing identifying details.\nQuestion: A 45-year-old man "
           "from Delhi presents with crushing chest pain radiating to the left arm.",
           6));
  ASSERT_EQ(paraphrase.status, 200);
  std::set<std::string> variants;
  const json paraphrase_json = json::parse(paraphrase.body);
  for (const auto& c : paraphrase_json["choices"])
    variants.insert(c["message"]["content"]);
  EXPECT_EQ(variants.size(), 6u);

  const HttpReply embeddings =
      client.post("/v1/embeddings", R"({"model":"sim-local","input":["a b","c"]})");
  ASSERT_EQ(embeddings.status, 200);
  EXPECT_EQ(json::parse(embeddings.body)["data"][0]["embedding"].size(), 256u);

  const HttpReply models = client.get("/v1/models");
  ASSERT_EQ(models.status, 200);
  EXPECT_EQ(json::parse(models.body)["data"].size(), 3u) << "sim-local, sim-remote, sim-embed";
  EXPECT_EQ(client.get("/health").status, 200);

  const HttpReply unknown = client.post("/v1/chat/completions", chat("gpt-x", "hello"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(json::parse(unknown.body)["error"]["code"], "model_not_found");
  const HttpReply bad = client.post("/v1/chat/completions", "{oops");
  EXPECT_EQ(bad.status, 400);
  EXPECT_FALSE(json::parse(bad.body)["error"]["message"].get<std::string>().empty());

  EXPECT_EQ(client.connections_opened(), 1);
}

TEST(SimServer, SameSeedAndBodyGiveTheSameReplyOnAnyServer) {
  auto a = start(base_options());
  auto b = start(base_options());
  ASSERT_TRUE(a && b);
  SimHttpClient ca(a->port()), cb(b->port());
  for (int i = 0; i < 5; ++i) {
    const std::string body =
        chat("sim-local", std::string(kAnswerPrompt) + " #" + std::to_string(i));
    const HttpReply first = ca.post("/v1/chat/completions", body);
    ASSERT_EQ(first.status, 200);
    EXPECT_EQ(first.body, ca.post("/v1/chat/completions", body).body);
    EXPECT_EQ(first.body, cb.post("/v1/chat/completions", body).body);
  }
}

TEST(SimServer, RateLimitAnswers429WithRetryAfter) {
  testing::TempDir dir;
  testing::write_text(dir / "p.toml", "[profile.limited]\nrpm = 600\nburst_seconds = 1\n");
  SimOptions options = base_options();
  options.profiles_path = dir / "p.toml";
  options.log_path = dir / "log.jsonl";
  auto server = start(options);
  ASSERT_TRUE(server);
  SimHttpClient client(server->port());
  const auto begin = std::chrono::steady_clock::now();
  int ok = 0;
  int limited = 0;
  for (int i = 0; i < 40; ++i) {
    const HttpReply r =
        client.post("/v1/chat/completions", chat("limited", "q" + std::to_string(i)));
    if (r.status == 200) {
      ++ok;
      continue;
    }
    ASSERT_EQ(r.status, 429) << r.body;
    ++limited;
    EXPECT_GE(std::stoi(r.header("retry-after")), 1);
    EXPECT_FALSE(r.header("x-ratelimit-reset-requests").empty());
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "rate_limit_exceeded");
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  // A bucket of 10 requests refilled at 10 per second.
  EXPECT_GE(ok, 10);
  EXPECT_LE(ok, 10 + static_cast<int>(std::ceil(elapsed * 10)));
  EXPECT_GT(limited, 0);
  server->stop();
  int logged_limits = 0;
  for (const json& line : read_log(dir / "log.jsonl"))
    logged_limits += line["fault"] == "rate_limit";
  EXPECT_EQ(logged_limits, limited);
}

TEST(SimServer, TheOpeningCallsAreAnswered429ThenTheRestAsPlanned) {
  testing::TempDir dir;
  SimOptions options = base_options();
  options.faults.opening_429s = 5;
  options.faults.retry_after_seconds = 2;
  options.log_path = dir / "log.jsonl";
  auto server = start(options);
  ASSERT_TRUE(server);
  SimHttpClient client(server->port());
  // Listing the models is no API call: it neither counts nor is refused.
  EXPECT_EQ(client.get("/v1/models").status, 200);
  for (int i = 0; i < 8; ++i) {
    const HttpReply r =
        client.post("/v1/chat/completions", chat("sim-local", "q" + std::to_string(i)));
    if (i < 5) {
      ASSERT_EQ(r.status, 429) << i << ": " << r.body;
      EXPECT_EQ(r.header("retry-after"), "2");
    } else {
      EXPECT_EQ(r.status, 200) << i << ": " << r.body;
    }
  }
  server->stop();
  int logged = 0;
  for (const json& line : read_log(dir / "log.jsonl"))
    logged += line["fault"] == "429";
  EXPECT_EQ(logged, 5);
}

// Every injected fault looks to a client as it should, and matches the log.
// Counts: each kind ~ Binomial(240, 0.05); |z| < 4.42 per kind (two-sided
// p = 1e-5; 7 kinds: false-failure < 1e-4); seed fixed, so reproducible.
TEST(SimServer, InjectedFaultsBehaveAsLoggedAndAtTheirRates) {
  testing::TempDir dir;
  SimOptions options = base_options();
  options.faults.rate_429 = options.faults.rate_500 = options.faults.rate_503 = 0.05;
  options.faults.reset = options.faults.stall = options.faults.malformed = 0.05;
  options.faults.stall_seconds = 2;
  options.log_path = dir / "log.jsonl";
  auto server = start(options);
  ASSERT_TRUE(server);
  SimHttpClient client(server->port());
  constexpr int kN = 240;
  std::vector<HttpReply> replies;
  for (int i = 0; i < kN; ++i) {
    replies.push_back(client.post("/v1/chat/completions",
                                  chat("sim-local", "q " + std::to_string(i)), {},
                                  std::chrono::milliseconds(400)));
  }
  server->stop();
  const auto log = read_log(dir / "log.jsonl");
  ASSERT_EQ(log.size(), static_cast<size_t>(kN));
  std::map<std::string, int> counts;
  for (int i = 0; i < kN; ++i) {
    const std::string fault = log[static_cast<size_t>(i)]["fault"];
    const HttpReply& r = replies[static_cast<size_t>(i)];
    counts[fault]++;
    SCOPED_TRACE(fault + " #" + std::to_string(i));
    if (fault == "none") {
      ASSERT_EQ(r.status, 200);
      EXPECT_FALSE(json::parse(r.body, nullptr, false).is_discarded());
    } else if (fault == "429") {
      EXPECT_EQ(r.status, 429);
      EXPECT_EQ(r.header("retry-after"), "1");
    } else if (fault == "500" || fault == "503") {
      EXPECT_EQ(r.status, std::stoi(fault));
      EXPECT_TRUE(json::parse(r.body)["error"].is_object());
    } else if (fault == "reset") {
      EXPECT_EQ(r.status, 0);
      EXPECT_FALSE(r.transport_error.empty());
      EXPECT_NE(r.transport_error, "timeout");
    } else if (fault == "stall") {
      EXPECT_EQ(r.transport_error, "timeout");
    } else if (fault == "malformed") {
      EXPECT_EQ(r.status, 200);
      EXPECT_TRUE(json::parse(r.body, nullptr, false).is_discarded()) << r.body;
    } else {
      ADD_FAILURE() << "unexpected fault name";
    }
  }
  for (const char* kind : {"429", "500", "503", "reset", "stall", "malformed"}) {
    const double z = (counts[kind] - kN * 0.05) / std::sqrt(kN * 0.05 * 0.95);
    EXPECT_LT(std::abs(z), 4.42) << kind << ": " << counts[kind];
  }
  const double z_none = (counts["none"] - kN * 0.7) / std::sqrt(kN * 0.7 * 0.3);
  EXPECT_LT(std::abs(z_none), 4.42) << counts["none"];
}

TEST(SimServer, LogRecordsEveryRequestButNeverTheAuthorizationValue) {
  testing::TempDir dir;
  SimOptions options = base_options();
  options.log_path = dir / "log.jsonl";
  auto server = start(options);
  ASSERT_TRUE(server);
  SimHttpClient client(server->port());
  const std::string secret = "sk-test-7f3a9c1e5b";
  ASSERT_EQ(client
                .post("/v1/chat/completions", chat("sim-local", "hello there"),
                      {{"Authorization", "Bearer " + secret}})
                .status,
            200);
  ASSERT_EQ(client.get("/health").status, 200);
  ASSERT_EQ(client.post("/v1/chat/completions", "{oops").status, 400);
  server->stop();
  std::ifstream in(dir / "log.jsonl");
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(raw.find(secret), std::string::npos);
  const auto log = read_log(dir / "log.jsonl");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0]["seq"], 1);
  EXPECT_EQ(log[0]["method"], "POST");
  EXPECT_EQ(log[0]["path"], "/v1/chat/completions");
  EXPECT_EQ(log[0]["model"], "sim-local");
  EXPECT_EQ(log[0]["status"], 200);
  EXPECT_EQ(log[0]["fault"], "none");
  EXPECT_EQ(log[0]["body"]["messages"][0]["content"], "hello there");
  EXPECT_EQ(log[0]["authorization_present"], true);
  EXPECT_GE(log[0]["time"].get<double>(), 0);
  EXPECT_EQ(log[1]["seq"], 2);
  EXPECT_EQ(log[1]["method"], "GET");
  EXPECT_EQ(log[1]["authorization_present"], false);
  EXPECT_EQ(log[2]["status"], 400);
  EXPECT_EQ(log[2]["body"], "{oops");  // an unparsable body is logged as a string
}

// A client may nest a body as deep as it likes; the log writes what is too
// deep to write as JSON as text, and the server goes on.
TEST(SimServer, ADeeplyNestedBodyIsLoggedAsText) {
  testing::TempDir dir;
  SimOptions options = base_options();
  options.log_path = dir / "log.jsonl";
  auto server = start(options);
  ASSERT_TRUE(server);
  SimHttpClient client(server->port());
  // A valid chat request with an extra field 100,000 levels deep.
  std::string deep = chat("sim-local", "hello there");
  deep.insert(deep.rfind('}'),
              R"(, "extra": )" + std::string(100000, '[') + std::string(100000, ']'));
  ASSERT_EQ(client.post("/v1/chat/completions", deep).status, 200);
  ASSERT_EQ(client.post("/v1/chat/completions", chat("sim-local", "and again")).status, 200);
  server->stop();
  const auto log = read_log(dir / "log.jsonl");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["body"], deep);
  EXPECT_EQ(log[0]["model"], "sim-local");
  EXPECT_EQ(log[1]["body"]["messages"][0]["content"], "and again");
}

TEST(SimServer, RefusesNonLoopbackBindUnlessAllowed) {
  for (const char* address : {"0.0.0.0", "192.0.2.7", "::"}) {
    SimOptions options = base_options();
    options.bind_address = address;
    auto server = SimServer::start(options);
    ASSERT_FALSE(server.ok()) << address;
    EXPECT_NE(server.error().message().find("loopback"), std::string::npos);
  }
  SimOptions options = base_options();
  options.bind_address = "not-an-address";
  EXPECT_FALSE(SimServer::start(options).ok());
  options.bind_address = "::1";
  auto v6 = SimServer::start(options);  // loopback, but the host may lack IPv6
  if (v6.ok()) {
    EXPECT_GT((*v6)->port(), 0);
  }
}

TEST(SimServer, RejectsBadFaultRatesAndProfiles) {
  SimOptions options = base_options();
  options.faults.reset = 0.7;
  options.faults.stall = 0.7;
  EXPECT_FALSE(SimServer::start(options).ok());
  options = base_options();
  options.profiles_path = "/nonexistent/profiles.toml";
  EXPECT_FALSE(SimServer::start(options).ok());
  options = base_options();
  options.faults.opening_429s = -1;
  EXPECT_FALSE(SimServer::start(options).ok());
}

// Requests wait on timers, not threads: 200 connections each held for 1 s of
// simulated latency all finish in far less than the 200 s a serial server needs.
// Six answers of 0.1 s arriving together on a server of two slots: two at
// a time are worked on, the others wait their turn, so no more than two are
// ever in service and each ends 0.1 s after its slot frees.
TEST(SimServer, MaxConcurrencyQueuesAnswersBeyondItsSlots) {
  testing::TempDir dir;
  testing::write_text(dir / "p.toml",
                      "[profile.slow]\nlatency_base_ms = 1000\nlatency_per_token_ms = 0\n"
                      "latency_jitter_sigma = 0\n");
  SimOptions options = base_options();
  options.profiles_path = dir / "p.toml";
  options.time_scale = 0.1;
  options.max_concurrency = 2;
  options.log_path = dir / "log.jsonl";
  auto server = start(options);
  ASSERT_TRUE(server);
  std::vector<std::thread> clients;
  for (int i = 0; i < 6; ++i) {
    clients.emplace_back([&, i] {
      SimHttpClient client(server->port());
      EXPECT_EQ(client.post("/v1/chat/completions", chat("slow", "q" + std::to_string(i))).status,
                200);
    });
  }
  for (auto& c : clients)
    c.join();
  server->stop();
  std::vector<std::pair<double, double>> served;  // arrival, end
  for (const json& line : read_log(dir / "log.jsonl"))
    served.emplace_back(line["time"].get<double>(),
                        line["time"].get<double>() + line["delay"].get<double>());
  ASSERT_EQ(served.size(), 6u);
  std::sort(served.begin(), served.end());
  // First come, first served on two slots, computed here from the arrivals.
  std::vector<double> free_at = {0, 0};
  for (const auto& [arrival, end] : served) {
    auto slot = std::min_element(free_at.begin(), free_at.end());
    *slot = std::max(arrival, *slot) + 0.1;
    EXPECT_NEAR(end, *slot, 1e-6);
  }
  for (const auto& [arrival, end] : served) {
    int in_service = 0;  // answers being worked on just before this one ends
    for (const auto& [a, e] : served)
      in_service += e - 0.1 < end - 1e-6 && e >= end - 1e-6;
    EXPECT_LE(in_service, 2);
  }
  EXPECT_GE(served.back().second - served.front().first, 0.3 - 1e-6) << "three rounds of two";
}

TEST(SimServer, HoldsManyConnectionsConcurrently) {
  testing::TempDir dir;
  testing::write_text(dir / "p.toml",
                      "[profile.slow]\nlatency_base_ms = 1000\nlatency_per_token_ms = 0\n"
                      "latency_jitter_sigma = 0\n");
  SimOptions options = base_options();
  options.profiles_path = dir / "p.toml";
  options.time_scale = 1;
  auto server = start(options);
  ASSERT_TRUE(server);
  namespace asio = boost::asio;
  asio::io_context io;
  constexpr int kConnections = 200;
  std::vector<asio::ip::tcp::socket> sockets;
  const auto begin = std::chrono::steady_clock::now();
  for (int i = 0; i < kConnections; ++i) {
    sockets.emplace_back(io);
    sockets.back().connect({asio::ip::make_address("127.0.0.1"), server->port()});
    const std::string body = chat("slow", "q" + std::to_string(i));
    const std::string request =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    asio::write(sockets.back(), asio::buffer(request));
  }
  int ok = 0;
  for (auto& socket : sockets) {
    asio::streambuf response;
    boost::system::error_code ec;
    asio::read_until(socket, response, "\r\n", ec);
    std::istream in(&response);
    std::string status_line;
    std::getline(in, status_line);
    ok += status_line.find(" 200 ") != std::string::npos;
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_EQ(ok, kConnections);
  EXPECT_LT(elapsed, 60.0);
}

}  // namespace
}  // namespace privqa
