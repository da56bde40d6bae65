// HttpEngine: many concurrent HTTP requests on one Asio event loop.
//
// libcurl's multi interface is driven through its socket API: curl tells the
// engine which sockets to watch and when to wake up, and the engine waits on
// them with Asio (no thread per request, no polling). Connections are reused
// between requests; HTTP/2 is negotiated over TLS where the server offers it,
// and requests to one host are multiplexed over it. TLS peer and host
// verification are always on.
//
// Threading: an engine belongs to one io_context. start() and perform() must
// be called from a thread running that io_context (the loop thread); callbacks
// run there too. Destroying the engine abandons transfers in flight without
// calling their callbacks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "privqa/base/asio.h"

namespace privqa {

struct HttpRequest {
  std::string url;
  std::string method = "POST";  // "POST" sends `body`; "GET" sends none
  std::string body;
  // Sent as given. May hold "Authorization"; describe_request() redacts it.
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{120'000};  // whole transfer, connect included
};

// For debug output: the request line, one line per header (the value of any
// Authorization or api-key header replaced by "[redacted]"), then a blank
// line and the body when there is one.
std::string describe_request(const HttpRequest& request);

// Why a request got no HTTP response.
enum class TransportError {
  kNone,
  kDns,             // host name could not be resolved
  kConnect,         // TCP connection refused or unreachable
  kTls,             // handshake or certificate verification failed
  kTimeout,         // no complete response within the request's timeout
  kNetwork,         // connection reset, empty or broken reply mid-transfer
  kInvalidRequest,  // malformed URL, unsupported scheme, oversized response: retrying cannot help
};
std::string_view transport_error_name(TransportError error);

struct HttpResponse {
  TransportError transport = TransportError::kNone;
  std::string error;  // with transport != kNone: what failed and for which origin
  long status = 0;    // HTTP status when transport == kNone
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  int http_version = 0;  // 1 (HTTP/1.x), 2 or 3; 0 without a response
  std::chrono::duration<double> elapsed{0};

  // The value of the first header called `name` (lower-case), or nullptr.
  const std::string* header(std::string_view name) const;
};

struct HttpEngineOptions {
  long max_connections_per_host = 0;  // 0: no limit beyond the requests in flight
  long max_response_bytes = 64L << 20;
};

class HttpEngine {
 public:
  using Callback = std::function<void(HttpResponse)>;
  using TransferId = uint64_t;

  explicit HttpEngine(asio::io_context& io, HttpEngineOptions options = {});
  ~HttpEngine();
  HttpEngine(const HttpEngine&) = delete;
  HttpEngine& operator=(const HttpEngine&) = delete;

  // Starts `request`; `done` is posted to the loop when it completes or fails.
  TransferId start(HttpRequest request, Callback done);

  // Abandons a transfer still running: its connection is closed and `done`
  // is never called. Returns false (and does nothing) once it has finished,
  // even if its callback has not run yet.
  bool cancel(TransferId id);

  // Awaitable form of start().
  asio::awaitable<HttpResponse> perform(HttpRequest request);

  std::size_t in_flight() const;
  asio::io_context& context() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace privqa
