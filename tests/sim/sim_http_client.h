// A small blocking HTTP/1.1 client for the simulator's tests: one keep-alive
// connection to 127.0.0.1, a deadline per request, and transport failures
// (reset, timeout, closed) reported as values.
#pragma once

// g++ 12 reports a false "maybe uninitialized" boost::optional inside Beast's
// response parser; the pragma covers the Beast headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace privqa::testing {

struct HttpReply {
  int status = 0;  // 0 when no response arrived
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string transport_error;                 // "", "timeout", or the system's message
  bool ok() const { return transport_error.empty() && status != 0; }
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class SimHttpClient {
 public:
  explicit SimHttpClient(uint16_t port) : port_(port) {}

  HttpReply post(const std::string& target, const std::string& body,
                 const std::map<std::string, std::string>& extra_headers = {},
                 std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return send(boost::beast::http::verb::post, target, body, extra_headers, timeout);
  }
  HttpReply get(const std::string& target,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return send(boost::beast::http::verb::get, target, "", {}, timeout);
  }
  // Number of TCP connections opened so far (keep-alive reuses one).
  int connections_opened() const { return connections_; }

 private:
  HttpReply send(boost::beast::http::verb verb, const std::string& target, const std::string& body,
                 const std::map<std::string, std::string>& extra_headers,
                 std::chrono::milliseconds timeout) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    using tcp = boost::asio::ip::tcp;
    HttpReply reply;
    request_ = {verb, target, 11};
    request_.set(http::field::host, "127.0.0.1");
    request_.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : extra_headers)
      request_.set(name, value);
    request_.body() = body;
    request_.prepare_payload();
    response_.emplace();
    response_->body_limit(64 << 20);
    buffer_.clear();

    bool done = false;
    beast::error_code failure;
    auto finish = [&](beast::error_code ec) {
      failure = ec;
      done = true;
    };
    auto read = [&] {
      http::async_read(*socket_, buffer_, *response_,
                       [&](beast::error_code ec, size_t) { finish(ec); });
    };
    auto write = [&] {
      http::async_write(*socket_, request_, [&](beast::error_code ec, size_t) {
        if (ec) return finish(ec);
        read();
      });
    };
    io_.restart();
    if (!socket_ || !socket_->is_open()) {
      socket_.emplace(io_);
      ++connections_;
      socket_->async_connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_),
                             [&](beast::error_code ec) {
                               if (ec) return finish(ec);
                               write();
                             });
    } else {
      write();
    }
    io_.run_for(timeout);
    if (!done) {
      beast::error_code ignored;
      socket_->close(ignored);
      io_.restart();
      io_.run();  // completes the cancelled operations
      socket_.reset();
      reply.transport_error = "timeout";
      return reply;
    }
    if (failure) {
      socket_.reset();
      reply.transport_error = failure.message();
      return reply;
    }
    const auto& response = response_->get();
    reply.status = static_cast<int>(response.result_int());
    reply.body = response.body();
    for (const auto& field : response) {
      std::string name(field.name_string());
      for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      reply.headers[name] = std::string(field.value());
    }
    if (!response.keep_alive()) socket_.reset();
    return reply;
  }

  uint16_t port_;
  boost::asio::io_context io_;
  std::optional<boost::asio::ip::tcp::socket> socket_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::string_body> request_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> response_;
  int connections_ = 0;
};

}  // namespace privqa::testing
