// The LLM client against the simulated provider at zero latency: CPU time per
// request and sustained requests/s, for the full client (codec, admission,
// retries) and, as the baseline, the bare HttpEngine sending the same bodies;
// and the client's memory with 5,000 requests in flight. Results in
// docs/benchmarks.md, section "LLM client".
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "privqa/base/asio.h"
#include "privqa/llm/http_engine.h"
#include "privqa/llm/llm_client.h"
#include "privqa/sim/sim_server.h"

namespace privqa {
namespace {

std::vector<Question> bench_questions() {
  Question q;
  q.id = "q0";
  q.text = "Which vitamin deficiency causes scurvy?";
  q.options = {"Vitamin A", "Vitamin C", "Vitamin D", "Vitamin K"};
  q.answer = 1;
  return {q};
}

SimOptions sim_options(FaultRates faults = {}) {
  SimOptions o;
  o.questions = bench_questions();
  o.time_scale = 0;
  o.faults = faults;
  return o;
}

// The simulated server at zero latency, or null with the benchmark skipped.
std::unique_ptr<SimServer> start_sim(benchmark::State& state) {
  auto server = SimServer::start(sim_options());
  if (!server.ok()) {
    state.SkipWithError(server.error().message().c_str());
    return nullptr;
  }
  return std::move(server.value());
}

ProviderConfig sim_provider(uint16_t port, int max_in_flight) {
  ProviderConfig c;
  c.name = "sim";
  c.base_url = fmt::format("http://127.0.0.1:{}/v1", port);
  c.model = "sim-local";
  c.max_in_flight = max_in_flight;
  c.timeout_seconds = 60;
  return c;
}

ChatRequest bench_request(int64_t i) {
  ChatRequest r;
  r.messages = {{"user", fmt::format("Request {}. Which vitamin deficiency causes scurvy?\n"
                                     "A) Vitamin A\nB) Vitamin C\nC) Vitamin D\nD) Vitamin K",
                                     i)}};
  r.max_tokens = 16;
  return r;
}

constexpr int kBatch = 2000;

// Full client: each iteration sends kBatch distinct requests, range(0) in flight.
void BM_ClientChat(benchmark::State& state) {
  auto server = start_sim(state);
  if (!server) return;
  asio::io_context io;
  HttpEngine engine(io);
  auto client =
      LlmClient::create(engine, sim_provider(server->port(), static_cast<int>(state.range(0))));
  if (!client.ok()) {
    state.SkipWithError(client.error().message().c_str());
    return;
  }
  int64_t next = 0;
  int64_t failures = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) {
      asio::co_spawn(
          io,
          [&, n = next++]() -> asio::awaitable<void> {
            ChatOutcome out = co_await (*client)->chat(bench_request(n));
            if (!out.result.ok()) ++failures;
          },
          asio::detached);
    }
    io.run();
    io.restart();
  }
  if (failures > 0) state.SkipWithError("some requests failed");
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_ClientChat)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

// Baseline: the bare engine posting the same bodies, range(0) in flight.
void BM_EngineOnly(benchmark::State& state) {
  auto server = start_sim(state);
  if (!server) return;
  asio::io_context io;
  HttpEngine engine(io);
  const std::string url = fmt::format("http://127.0.0.1:{}/v1/chat/completions", server->port());
  const nlohmann::json no_extra = nlohmann::json::object();
  int64_t next = 0;
  int64_t failures = 0;
  const auto in_flight = static_cast<int>(state.range(0));
  for (auto _ : state) {
    int started = 0;
    std::function<void()> start_one = [&] {
      HttpRequest request;
      request.url = url;
      request.body = to_body(encode_chat_request(bench_request(next++), "sim-local", no_extra));
      request.headers = {{"Content-Type", "application/json"}};
      ++started;
      engine.start(std::move(request), [&](const HttpResponse& r) {
        if (r.status != 200) ++failures;
        if (started < kBatch) start_one();
      });
    };
    for (int i = 0; i < in_flight && started < kBatch; ++i)
      start_one();
    io.run();
    io.restart();
  }
  if (failures > 0) state.SkipWithError("some requests failed");
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_EngineOnly)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

long rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Client memory with 5,000 requests in flight. The simulated server runs in a
// forked child so that only the client's memory is measured; every request
// stalls there for 4 s, long enough to hold all 5,000 in flight.
void BM_Memory5000InFlight(benchmark::State& state) {
  constexpr int kInFlight = 5000;
  for (auto _ : state) {
    int port_pipe[2];
    if (pipe(port_pipe) != 0) {
      state.SkipWithError("pipe failed");
      return;
    }
    const pid_t child = fork();
    if (child == 0) {
      close(port_pipe[0]);
      FaultRates faults;
      faults.stall = 1.0;
      faults.stall_seconds = 4;
      auto server = SimServer::start(sim_options(faults));
      const uint16_t port = server.ok() ? (*server)->port() : 0;
      (void)!write(port_pipe[1], &port, sizeof port);
      close(port_pipe[1]);
      sleep(30);  // the parent kills this process when done
      _exit(0);
    }
    close(port_pipe[1]);
    uint16_t port = 0;
    (void)!read(port_pipe[0], &port, sizeof port);
    close(port_pipe[0]);

    const long rss_before = rss_kib();
    asio::io_context io;
    HttpEngine engine(io);
    auto client = LlmClient::create(engine, sim_provider(port, kInFlight));
    int completed = 0;
    for (int i = 0; i < kInFlight; ++i) {
      asio::co_spawn(
          io,
          [&, i]() -> asio::awaitable<void> {
            ChatOutcome out = co_await (*client)->chat(bench_request(i));
            if (out.result.ok()) ++completed;
          },
          asio::detached);
    }
    long rss_peak = 0;
    std::size_t peak_in_flight = 0;
    asio::steady_timer probe(io);
    std::function<void()> sample = [&] {
      rss_peak = std::max(rss_peak, rss_kib());
      peak_in_flight = std::max(peak_in_flight, engine.in_flight());
      probe.expires_after(std::chrono::milliseconds(200));
      probe.async_wait([&](const boost::system::error_code& ec) {
        if (!ec && completed < kInFlight) sample();
      });
    };
    sample();
    io.run();
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    state.counters["in_flight_peak"] = static_cast<double>(peak_in_flight);
    state.counters["completed"] = completed;
    state.counters["rss_delta_MiB"] = static_cast<double>(rss_peak - rss_before) / 1024.0;
    state.counters["KiB_per_request"] = static_cast<double>(rss_peak - rss_before) / kInFlight;
  }
}
BENCHMARK(BM_Memory5000InFlight)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace privqa
