#include "privqa/sim/sim_server.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "privqa/base/asio.h"
#include "privqa/sim/fault_plan.h"
#include "privqa/sim/rate_limiter.h"
#include "privqa/sim/request_log.h"
#include "privqa/sim/simulator.h"

namespace privqa {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using sim::Fault;

constexpr size_t kMaxBodyBytes = 16 << 20;

// How long until a limit resets, in the "1.5s" / "250ms" form OpenAI uses.
std::string reset_duration(double seconds) {
  if (seconds < 1) return fmt::format("{}ms", static_cast<long>(std::ceil(seconds * 1000)));
  return fmt::format("{:.3g}s", seconds);
}

// What the server does with one request.
struct Decision {
  Fault fault = Fault::kNone;
  bool rate_limited = false;
  bool out_of_quota = false;
  bool unauthorized = false;
  unsigned status = 200;
  // The limits of the model's profile (0: none), sent with every reply as
  // x-ratelimit-limit-requests / -tokens, as OpenAI does.
  double limit_rpm = 0, limit_tpm = 0;
  std::string body;
  double delay_seconds = 0;
  std::optional<double> retry_after;  // seconds; set on every 429
};

}  // namespace

class SimServer::Impl {
 public:
  Impl(SimOptions options, std::unique_ptr<sim::Simulator> simulator, sim::RequestLog log)
      : options_(std::move(options)),
        simulator_(std::move(simulator)),
        log_(std::move(log)),
        faults_(options_.faults, options_.seed),
        start_(Clock::now()),
        acceptor_(io_) {
    slots_.resize(static_cast<size_t>(std::max(0, options_.max_concurrency)));
  }

  Status listen();
  void run() {
    thread_ = std::thread([this] { io_.run(); });
  }
  void stop() {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    if (stopped_) return;
    stopped_ = true;
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return port_; }
  double stall_seconds() const { return options_.faults.stall_seconds; }

  Decision decide(const http::request<http::string_body>& request);

 private:
  void accept();

  SimOptions options_;
  std::unique_ptr<sim::Simulator> simulator_;
  sim::RequestLog log_;
  sim::FaultPlan faults_;
  std::map<std::string, sim::RateLimiter> limiters_;  // by model name
  std::map<std::string, int64_t> answered_;           // by model name, for the quota
  // Earlier arrivals of each body (by hash): a retry gets a fresh latency.
  std::unordered_map<uint64_t, uint64_t> arrivals_;
  // When each of the max_concurrency slots frees, as a min-heap; empty
  // without a bound.
  std::vector<Clock::time_point> slots_;
  Clock::time_point start_;
  uint64_t seq_ = 0;
  int64_t api_calls_ = 0;
  uint16_t port_ = 0;

  std::mutex stop_mutex_;
  bool stopped_ = false;
  // Destroyed before the state above, and the acceptor before the io_context:
  // destroying the io_context drops the sessions still waiting in it.
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  tcp::acceptor acceptor_;
  std::thread thread_;
};

namespace {

// One client connection: read a request, let Impl decide, wait the simulated
// time on a timer, write the reply, and read the next request (keep-alive).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, SimServer::Impl& server)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), server_(server) {}

  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec) {
      beast::error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    const auto& request = parser_->get();
    Decision decision = server_.decide(request);
    if (decision.fault == Fault::kReset) {
      // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
      beast::error_code ignored;
      socket_.set_option(asio::socket_base::linger(true, 0), ignored);
      socket_.close(ignored);
      return;
    }
    response_ = {};
    response_.version(request.version());
    response_.result(decision.status);
    response_.set(http::field::server, "privqa-sim");
    response_.set(http::field::content_type, "application/json");
    response_.set("x-privqa-simulated", "true");
    if (decision.limit_rpm > 0) {
      response_.set("x-ratelimit-limit-requests", fmt::format("{:.0f}", decision.limit_rpm));
    }
    if (decision.limit_tpm > 0) {
      response_.set("x-ratelimit-limit-tokens", fmt::format("{:.0f}", decision.limit_tpm));
    }
    if (decision.retry_after) {
      // Retry-After has whole seconds only; retry-after-ms (sent by OpenAI
      // too) carries the exact wait, which time-scaled runs need.
      response_.set(http::field::retry_after,
                    std::to_string(static_cast<long>(std::ceil(*decision.retry_after))));
      response_.set("retry-after-ms",
                    fmt::format("{:.0f}", std::ceil(*decision.retry_after * 1000)));
      response_.set("x-ratelimit-reset-requests", reset_duration(*decision.retry_after));
    }
    response_.keep_alive(request.keep_alive());
    response_.body() = std::move(decision.body);
    response_.prepare_payload();
    timer_.expires_after(std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(decision.delay_seconds)));
    timer_.async_wait([self = shared_from_this()](beast::error_code wait_error) {
      if (!wait_error) self->write();
    });
  }

  void write() {
    http::async_write(socket_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return;
                        if (self->response_.keep_alive()) {
                          self->read();
                        } else {
                          beast::error_code ignored;
                          self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                        }
                      });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  SimServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

Status SimServer::Impl::listen() {
  std::string host = options_.bind_address == "localhost" ? "127.0.0.1" : options_.bind_address;
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return Error(fmt::format("bind address '{}' is not an IP address", host));
  if (!address.is_loopback() && !options_.allow_remote) {
    return Error(fmt::format(
        "refusing to bind to {}: it is not a loopback address (the simulator serves 127.0.0.1 "
        "only unless remote binding is explicitly allowed)",
        host));
  }
  const tcp::endpoint endpoint(address, options_.port);
  if (acceptor_.open(endpoint.protocol(), ec); ec) {
    return Error(fmt::format("cannot open a socket: {}", ec.message()));
  }
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor_.bind(endpoint, ec); ec) {
    return Error(fmt::format("cannot bind {}:{}: {}", host, options_.port, ec.message()));
  }
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Error(fmt::format("cannot listen on {}:{}: {}", host, options_.port, ec.message()));
  }
  port_ = acceptor_.local_endpoint().port();
  accept();
  return Status::Ok();
}

void SimServer::Impl::accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), *this)->read();
    }
    accept();  // a failed accept (e.g. out of descriptors) must not stop the server
  });
}

Decision SimServer::Impl::decide(const http::request<http::string_body>& request) {
  const uint64_t seq = ++seq_;
  const auto now = Clock::now();
  const std::string method(request.method_string());
  std::string path(request.target());
  if (const size_t query = path.find('?'); query != std::string::npos) path.resize(query);
  const std::string& body = request.body();

  const uint64_t arrival = arrivals_[XXH3_64bits(body.data(), body.size())]++;
  sim::SimReply reply = simulator_->handle(method, path, body, arrival);
  Decision decision;
  decision.status = reply.status;
  decision.body = std::move(reply.body);
  if (options_.omit_usage && reply.status == 200) {
    nlohmann::json answer = nlohmann::json::parse(decision.body);
    answer.erase("usage");
    decision.body = answer.dump();
  }
  decision.delay_seconds = reply.latency_seconds;
  if (reply.profile != nullptr && options_.limit_headers) {
    decision.limit_rpm = reply.profile->rpm;
    decision.limit_tpm = reply.profile->tpm;
  }

  const bool api_call =
      method == "POST" && (path == "/v1/chat/completions" || path == "/v1/embeddings");
  // An error reply sent at once, replacing the simulated one.
  auto fail = [&decision](unsigned status, std::string_view message, std::string_view type,
                          std::string_view code) {
    decision.status = status;
    decision.body = sim::error_body(message, type, code);
    decision.delay_seconds = 0;
  };
  if (api_call && !options_.api_key.empty()) {
    const auto sent = request.find(http::field::authorization);
    const std::string credential = sent == request.end() ? "" : std::string(sent->value());
    if (credential != "Bearer " + options_.api_key) {
      decision.unauthorized = true;
      fail(401,
           fmt::format("Incorrect API key provided: {}. Check the key of this account "
                       "(simulated).",
                       credential.starts_with("Bearer ") ? credential.substr(7) : credential),
           "invalid_request_error", "invalid_api_key");
    }
  }
  if (api_call && !decision.unauthorized) {
    decision.fault = faults_.next(path, body);
    if (api_calls_++ < options_.faults.opening_429s) decision.fault = Fault::k429;
  }
  switch (decision.fault) {
    case Fault::kNone:
      if (reply.profile != nullptr && reply.status == 200) {
        const sim::Profile& p = *reply.profile;
        auto it = limiters_.try_emplace(p.name, p.rpm, p.tpm, p.burst_seconds, now).first;
        if (const double wait = it->second.admit(reply.tokens, now); wait > 0) {
          decision.rate_limited = true;
          fail(429,
               fmt::format("Rate limit reached for {} (limits: {} requests/min, {} tokens/min). "
                           "Please retry after {:.3f}s.",
                           p.name, p.rpm, p.tpm, wait),
               "requests", "rate_limit_exceeded");
          decision.retry_after = wait;
        } else if (const auto quota = options_.quota.find(p.name);
                   quota != options_.quota.end() && answered_[p.name]++ >= quota->second) {
          decision.out_of_quota = true;
          fail(429,
               "You exceeded your current quota, please check your plan and billing details "
               "(simulated).",
               "insufficient_quota", "insufficient_quota");
        }
      }
      break;
    case Fault::k429:
      fail(429, "Rate limit reached (simulated fault). Please retry.", "requests",
           "rate_limit_exceeded");
      decision.retry_after = options_.faults.retry_after_seconds;
      break;
    case Fault::k500:
      fail(500, "The server had an error while processing your request (simulated fault).",
           "server_error", "");
      break;
    case Fault::k503:
      fail(503, "The engine is currently overloaded, please try again later (simulated fault).",
           "server_error", "overloaded");
      break;
    case Fault::kReset:
      decision.status = 0;
      break;
    case Fault::kStall:
      decision.delay_seconds = options_.faults.stall_seconds;
      break;
    case Fault::kMalformed:
      // A reply cut off mid-object: valid status and headers, invalid JSON.
      decision.status = 200;
      decision.body.resize(decision.body.size() / 2);
      break;
  }

  if (decision.status == 200 && decision.fault == Fault::kNone && !slots_.empty()) {
    // The answer starts when the earliest slot frees (its own arrival, if
    // one is idle) and holds that slot for its latency.
    std::pop_heap(slots_.begin(), slots_.end(), std::greater<>());
    const Clock::time_point begins = std::max(now, slots_.back());
    slots_.back() = begins + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(decision.delay_seconds));
    std::push_heap(slots_.begin(), slots_.end(), std::greater<>());
    decision.delay_seconds += std::chrono::duration<double>(begins - now).count();
  }
  if (!log_.enabled()) return decision;  // the entry below is for the log only
  nlohmann::json entry = {
      {"seq", seq},
      {"time", std::chrono::duration<double>(now - start_).count()},
      {"method", method},
      {"path", path},
      {"model", nullptr},
      {"status", decision.status},
      {"fault", decision.rate_limited   ? "rate_limit"
                : decision.out_of_quota ? "quota"
                : decision.unauthorized ? "unauthorized"
                                        : sim::fault_name(decision.fault)},
      {"delay", decision.delay_seconds},
      {"body", nullptr},
      {"authorization_present", request.find(http::field::authorization) != request.end()}};
  if (decision.retry_after) entry["retry_after"] = *decision.retry_after;
  // The tokens a delivered answer reports (or would, without usage): what
  // the provider bills.
  if (decision.status == 200 && decision.fault == Fault::kNone && reply.status == 200) {
    entry["tokens"] = static_cast<int64_t>(reply.tokens);
  }
  if (reply.request.is_object() && reply.request.contains("model")) {
    entry["model"] = reply.request["model"];
  }
  if (!reply.request.is_null() && sim::json_nesting_depth(body) <= sim::kMaxLoggedDepth) {
    entry["body"] = std::move(reply.request);
  } else if (!body.empty()) {
    entry["body"] = body;
  }
  log_.write(entry);
  return decision;
}

Result<std::unique_ptr<SimServer>> SimServer::start(SimOptions options) {
  if (Status valid = sim::validate(options.faults); !valid) return valid.error();
  auto simulator = sim::Simulator::create(options);
  if (!simulator) return simulator.error();
  sim::RequestLog log;
  if (!options.log_path.empty()) {
    auto opened = sim::RequestLog::open(options.log_path);
    if (!opened) return opened.error();
    log = std::move(*opened);
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*simulator), std::move(log));
  if (Status listening = impl->listen(); !listening) return listening.error();
  impl->run();
  return std::unique_ptr<SimServer>(new SimServer(std::move(impl)));
}

SimServer::SimServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SimServer::~SimServer() {
  stop();
}
uint16_t SimServer::port() const {
  return impl_->port();
}
void SimServer::stop() {
  impl_->stop();
}

}  // namespace privqa
