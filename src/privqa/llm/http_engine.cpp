#include "privqa/llm/http_engine.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <unordered_map>

#include "privqa/base/strings.h"

namespace privqa {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_secret_header(std::string_view name) {
  const std::string n = lower(name);
  return n == "authorization" || n == "proxy-authorization" || n == "api-key" || n == "x-api-key";
}

// "https://host:port" of a URL, for error messages (never the path or query).
std::string origin_of(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url.substr(0, 64));
  const auto path_start = url.find_first_of("/?#", scheme_end + 3);
  std::string_view origin = url.substr(0, path_start);
  // Drop any user:password@ part.
  const auto at = origin.rfind('@');
  if (at != std::string_view::npos && at > scheme_end) {
    return std::string(origin.substr(0, scheme_end + 3)) + std::string(origin.substr(at + 1));
  }
  return std::string(origin);
}

TransportError classify(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportError::kDns;
    case CURLE_COULDNT_CONNECT:
      return TransportError::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportError::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
      return TransportError::kTls;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_WRITE_ERROR:  // the response exceeded max_response_bytes
    case CURLE_OUT_OF_MEMORY:
      return TransportError::kInvalidRequest;
    default:
      return TransportError::kNetwork;
  }
}

}  // namespace

std::string_view transport_error_name(TransportError error) {
  switch (error) {
    case TransportError::kNone:
      return "none";
    case TransportError::kDns:
      return "DNS";
    case TransportError::kConnect:
      return "connect";
    case TransportError::kTls:
      return "TLS";
    case TransportError::kTimeout:
      return "timeout";
    case TransportError::kNetwork:
      return "network";
    case TransportError::kInvalidRequest:
      return "invalid request";
  }
  return "unknown";
}

std::string describe_request(const HttpRequest& request) {
  std::string out = fmt::format("{} {}\n", request.method, request.url);
  for (const auto& [name, value] : request.headers) {
    out += fmt::format("{}: {}\n", name, is_secret_header(name) ? "[redacted]" : value);
  }
  if (!request.body.empty()) out += "\n" + request.body + "\n";
  return out;
}

const std::string* HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return &v;
  }
  return nullptr;
}

class HttpEngine::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, HttpEngineOptions options) : io_(io), options_(options), timer_(io) {
    static std::once_flag curl_init;
    std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    multi_ = curl_multi_init();
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, options_.max_connections_per_host);
    // Keep idle connections of a large burst open for reuse by the next one.
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, 20'000L);
  }

  ~Impl() {
    for (auto& [easy, transfer] : transfers_) {
      curl_multi_remove_handle(multi_, easy);
      curl_easy_cleanup(easy);
      curl_slist_free_all(transfer->header_list);
    }
    transfers_.clear();
    for (CURL* easy : idle_handles_)
      curl_easy_cleanup(easy);
    curl_multi_cleanup(multi_);  // closes connections (on_socket sees CURL_POLL_REMOVE)
    while (!sockets_.empty())
      forget(sockets_.begin()->first);
  }

  TransferId start(HttpRequest request, Callback done) {
    auto transfer = std::make_unique<Transfer>();
    const TransferId id = ++last_id_;
    transfer->id = id;
    transfer->request = std::move(request);
    transfer->done = std::move(done);
    transfer->origin = origin_of(transfer->request.url);
    transfer->started = std::chrono::steady_clock::now();
    transfer->max_bytes = static_cast<std::size_t>(options_.max_response_bytes);

    CURL* easy = take_handle();
    Transfer& t = *transfer;
    curl_easy_setopt(easy, CURLOPT_URL, t.request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    // Over TLS, wait for a connection being set up to this host to learn (by
    // ALPN) whether it multiplexes, rather than opening one connection per
    // request. Never for plain http: there curl would learn it only from the
    // first response, so every request would queue behind the first one.
    if (t.request.url.starts_with("https://")) curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(t.request.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t.error_buffer.data());
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Impl::on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &t);
    if (t.request.method == "POST") {
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t.request.body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(t.request.body.size()));
    } else if (t.request.method != "GET") {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, t.request.method.c_str());
    }
    // No "Expect: 100-continue" round trip before large bodies.
    t.header_list = curl_slist_append(t.header_list, "Expect:");
    for (const auto& [name, value] : t.request.headers) {
      t.header_list = curl_slist_append(t.header_list, (name + ": " + value).c_str());
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t.header_list);

    transfers_.emplace(easy, std::move(transfer));
    by_id_.emplace(id, easy);
    const CURLMcode rc = curl_multi_add_handle(multi_, easy);
    if (rc != CURLM_OK) {
      t.error_buffer[0] = '\0';
      finish(easy, CURLE_FAILED_INIT);
    }
    return id;
  }

  bool cancel(TransferId id) {
    const auto found = by_id_.find(id);
    if (found == by_id_.end()) return false;
    detach(found->second);
    return true;
  }

  std::size_t in_flight() const { return transfers_.size(); }
  asio::io_context& context() const { return io_; }

 private:
  struct Transfer {
    TransferId id = 0;
    HttpRequest request;
    HttpResponse response;
    Callback done;
    std::string origin;
    curl_slist* header_list = nullptr;
    std::array<char, CURL_ERROR_SIZE> error_buffer{};
    std::chrono::steady_clock::time_point started;
    std::size_t max_bytes = 0;
  };

  // A socket curl asked the engine to watch. The descriptor only registers
  // the fd with the reactor: curl owns the fd and closes it.
  struct Socket {
    Socket(asio::io_context& io, curl_socket_t socket) : descriptor(io), fd(socket) {}
    ~Socket() {
      if (descriptor.is_open()) descriptor.release();
    }
    asio::posix::stream_descriptor descriptor;
    curl_socket_t fd;
    int wanted = 0;  // CURL_POLL_IN / _OUT / _INOUT
    bool read_armed = false;
    bool write_armed = false;
    bool closed = false;
    // Bumped by every (re)registration; a wait handler from an older one is stale.
    uint64_t generation = 0;
  };

  CURL* take_handle() {
    if (idle_handles_.empty()) return curl_easy_init();
    CURL* easy = idle_handles_.back();
    idle_handles_.pop_back();
    curl_easy_reset(easy);
    return easy;
  }

  static size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    if (t->response.body.size() + n > t->max_bytes) return 0;  // aborts with CURLE_WRITE_ERROR
    t->response.body.append(data, n);
    return n;
  }

  static size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    const std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {
      t->response.headers.clear();  // a new response (after 100-continue or a redirect)
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      t->response.headers.emplace_back(lower(trim(line.substr(0, colon))),
                                       std::string(trim(line.substr(colon + 1))));
    }
    return n;
  }

  static int on_socket(CURL*, curl_socket_t fd, int what, void* user, void* socket_user) {
    auto* self = static_cast<Impl*>(user);
    auto* known = static_cast<Socket*>(socket_user);
    if (what == CURL_POLL_REMOVE) {
      if (known != nullptr) self->forget(known);
      return 0;
    }
    if (known == nullptr) {
      // An fd number still on record belongs to a socket curl closed without a
      // REMOVE (its resolver's socketpair can go that way): drop that record.
      if (auto it = self->by_fd_.find(fd); it != self->by_fd_.end()) self->forget(it->second);
      auto socket = std::make_shared<Socket>(self->io_, fd);
      known = socket.get();
      self->sockets_.emplace(known, std::move(socket));
      self->by_fd_[fd] = known;
      curl_multi_assign(self->multi_, fd, known);
    }
    const std::shared_ptr<Socket> socket = self->sockets_.at(known);
    // Registering anew on every change costs two epoll_ctl calls and heals a
    // registration that went stale when an fd number was closed and reused.
    ++socket->generation;
    socket->read_armed = socket->write_armed = false;
    boost::system::error_code ec;
    if (socket->descriptor.is_open()) socket->descriptor.release();
    socket->descriptor.assign(fd, ec);
    socket->wanted = what;
    if (!ec) self->arm(socket);
    return 0;
  }

  // Stops watching the socket without closing it: curl owns the descriptor.
  void forget(Socket* socket) {
    socket->closed = true;
    ++socket->generation;
    if (socket->descriptor.is_open()) socket->descriptor.release();
    if (auto it = by_fd_.find(socket->fd); it != by_fd_.end() && it->second == socket) {
      by_fd_.erase(it);
    }
    sockets_.erase(socket);
  }

  // Waits for the directions curl wants. Asio's epoll reactor is
  // edge-triggered and does not try a wait speculatively, so a socket that is
  // already readable or writable (data left unread, send buffer with room)
  // would never wake a new wait. Hence readiness is first checked with a
  // zero-timeout poll(); only a socket that is not ready is left to the
  // reactor, whose next edge then cannot be missed (this thread queues the
  // wait before the reactor runs again).
  void arm(const std::shared_ptr<Socket>& socket) {
    const bool want_read = (socket->wanted & CURL_POLL_IN) && !socket->read_armed;
    const bool want_write = (socket->wanted & CURL_POLL_OUT) && !socket->write_armed;
    if (!want_read && !want_write) return;
    pollfd probe{socket->fd,
                 static_cast<short>((want_read ? POLLIN : 0) | (want_write ? POLLOUT : 0)), 0};
    if (::poll(&probe, 1, 0) < 0) probe.revents = 0;
    const short failed = POLLERR | POLLHUP | POLLNVAL;
    if (want_read) wait(socket, CURL_CSELECT_IN, (probe.revents & (POLLIN | failed)) != 0);
    if (want_write) wait(socket, CURL_CSELECT_OUT, (probe.revents & (POLLOUT | failed)) != 0);
  }

  void wait(const std::shared_ptr<Socket>& socket, int direction, bool ready_now) {
    bool& armed = direction == CURL_CSELECT_IN ? socket->read_armed : socket->write_armed;
    armed = true;
    auto on_event = [weak = weak_from_this(), socket, direction, &armed,
                     generation = socket->generation](const boost::system::error_code& ec) {
      if (generation != socket->generation) return;  // re-registered or forgotten since
      armed = false;
      if (ec == asio::error::operation_aborted) return;
      if (auto self = weak.lock()) self->on_ready(socket, direction, ec);
    };
    if (ready_now) {
      asio::post(io_, [on_event] { on_event({}); });
    } else {
      socket->descriptor.async_wait(direction == CURL_CSELECT_IN
                                        ? asio::posix::stream_descriptor::wait_read
                                        : asio::posix::stream_descriptor::wait_write,
                                    std::move(on_event));
    }
  }

  void on_ready(const std::shared_ptr<Socket>& socket, int direction,
                const boost::system::error_code& ec) {
    const int wanted_bit = direction == CURL_CSELECT_IN ? CURL_POLL_IN : CURL_POLL_OUT;
    if (!(socket->wanted & wanted_bit)) return;  // curl no longer waits for this direction
    int running = 0;
    curl_multi_socket_action(multi_, socket->fd, ec ? CURL_CSELECT_ERR : direction, &running);
    collect_finished();
    if (!socket->closed) arm(socket);
  }

  static int on_timer(CURLM*, long timeout_ms, void* user) {
    auto* self = static_cast<Impl*>(user);
    if (timeout_ms < 0) {
      self->timer_.cancel();
      return 0;
    }
    self->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
    std::weak_ptr<Impl> weak = self->weak_from_this();
    self->timer_.async_wait([weak](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto impl = weak.lock()) {
        int running = 0;
        curl_multi_socket_action(impl->multi_, CURL_SOCKET_TIMEOUT, 0, &running);
        impl->collect_finished();
      }
    });
    return 0;
  }

  void collect_finished() {
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
      if (msg->msg == CURLMSG_DONE) finish(msg->easy_handle, msg->data.result);
    }
  }

  // Takes a transfer off the multi handle and out of the engine's maps. Its
  // handle goes back to the idle list; its info stays readable until reused.
  std::unique_ptr<Transfer> detach(CURL* easy) {
    auto it = transfers_.find(easy);
    std::unique_ptr<Transfer> transfer = std::move(it->second);
    transfers_.erase(it);
    by_id_.erase(transfer->id);
    curl_multi_remove_handle(multi_, easy);
    curl_slist_free_all(transfer->header_list);
    idle_handles_.push_back(easy);
    return transfer;
  }

  void finish(CURL* easy, CURLcode code) {
    if (!transfers_.contains(easy)) return;
    std::unique_ptr<Transfer> transfer = detach(easy);

    HttpResponse& response = transfer->response;
    response.elapsed = std::chrono::steady_clock::now() - transfer->started;
    if (code == CURLE_OK) {
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
      long version = 0;
      curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
      response.http_version = version == CURL_HTTP_VERSION_2_0 ? 2
                              : version == CURL_HTTP_VERSION_3 ? 3
                                                               : 1;
    } else {
      response.transport = classify(code);
      const char* detail = transfer->error_buffer[0] != '\0' ? transfer->error_buffer.data()
                                                             : curl_easy_strerror(code);
      if (code == CURLE_WRITE_ERROR) detail = "response larger than the configured maximum";
      response.error = fmt::format("{} error for {}: {}", transport_error_name(response.transport),
                                   transfer->origin, detail);
      response.body.clear();
    }
    asio::post(io_, [done = std::move(transfer->done), response = std::move(response)]() mutable {
      done(std::move(response));
    });
  }

  asio::io_context& io_;
  HttpEngineOptions options_;
  CURLM* multi_ = nullptr;
  asio::steady_timer timer_;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers_;
  std::unordered_map<TransferId, CURL*> by_id_;
  TransferId last_id_ = 0;
  std::unordered_map<Socket*, std::shared_ptr<Socket>> sockets_;
  std::unordered_map<curl_socket_t, Socket*> by_fd_;
  std::vector<CURL*> idle_handles_;
};

HttpEngine::HttpEngine(asio::io_context& io, HttpEngineOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}

HttpEngine::~HttpEngine() = default;

HttpEngine::TransferId HttpEngine::start(HttpRequest request, Callback done) {
  return impl_->start(std::move(request), std::move(done));
}

bool HttpEngine::cancel(TransferId id) {
  return impl_->cancel(id);
}

asio::awaitable<HttpResponse> HttpEngine::perform(HttpRequest request) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(HttpResponse)>(
      [this](auto handler, HttpRequest&& req) {
        // The awaitable's handler is move-only; Callback must be copyable.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        start(std::move(req), [shared](HttpResponse response) { (*shared)(std::move(response)); });
      },
      asio::use_awaitable, std::move(request));
}

std::size_t HttpEngine::in_flight() const {
  return impl_->in_flight();
}

asio::io_context& HttpEngine::context() const {
  return impl_->context();
}

}  // namespace privqa
