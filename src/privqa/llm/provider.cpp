#include "privqa/llm/provider.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

namespace privqa {
namespace {

struct UrlParts {
  std::string scheme;
  std::string host;
};

std::optional<UrlParts> parse_url(std::string_view url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(), &curl_url_cleanup);
  if (!handle ||
      curl_url_set(handle.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  UrlParts parts;
  for (auto [part, out] :
       {std::pair{CURLUPART_SCHEME, &parts.scheme}, std::pair{CURLUPART_HOST, &parts.host}}) {
    char* value = nullptr;
    if (curl_url_get(handle.get(), part, &value, 0) != CURLUE_OK) return std::nullopt;
    *out = value;
    curl_free(value);
  }
  std::transform(parts.scheme.begin(), parts.scheme.end(), parts.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::transform(parts.host.begin(), parts.host.end(), parts.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return parts;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  // 127.0.0.0/8 written as a dotted quad.
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

// The URL rule of validate() for the URL of config key `key`.
Status check_url(const std::string& key, const std::string& url, bool allow_insecure_http) {
  const auto parts = parse_url(url);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https")) {
    return Error(fmt::format("{}: '{}' is not an http(s) URL", key, url));
  }
  if (parts->scheme == "http" && !is_loopback_host(parts->host) && !allow_insecure_http) {
    return Error(
        fmt::format("{}: '{}' is plain http to a non-loopback host; use https (or set "
                    "allow_insecure_http = true to send prompts and the key unencrypted)",
                    key, url));
  }
  return Status::Ok();
}

}  // namespace

bool is_loopback_url(std::string_view url) {
  const auto parts = parse_url(url);
  return parts && (parts->scheme == "http" || parts->scheme == "https") &&
         is_loopback_host(parts->host);
}

Status validate(const ProviderConfig& c) {
  if (c.name.empty()) return Error("provider has an empty name");
  if (Status s = check_url("base_url", c.base_url, c.allow_insecure_http); !s) return s;
  for (size_t i = 0; i < c.replicas.size(); ++i) {
    const ReplicaConfig& r = c.replicas[i];
    if (Status s = check_url("base_urls", r.base_url, c.allow_insecure_http); !s) return s;
    if (r.max_in_flight < 0) {
      return Error(fmt::format("base_urls: replica {} ({}): max_in_flight must be at least 1",
                               i + 1, r.base_url));
    }
  }
  if (!c.replicas.empty() && c.base_url != c.replicas.front().base_url) {
    return Error("base_url: must be the first of base_urls (or left out)");
  }
  if (c.model.empty()) return Error("model: must not be empty");
  if (c.min_in_flight < 1) return Error("min_in_flight: must be at least 1");
  if (c.max_in_flight < c.min_in_flight) {
    return Error("max_in_flight: must be at least min_in_flight (and at least 1)");
  }
  if (c.rpm < 0) return Error("rpm: must be >= 0 (0 = unlimited)");
  if (c.tpm < 0) return Error("tpm: must be >= 0 (0 = unlimited)");
  if (!(c.burst_seconds > 0 && c.burst_seconds <= 60)) {
    return Error("burst: must be a number of seconds > 0 and at most 60");
  }
  if (!(c.timeout_seconds > 0)) return Error("timeout: must be > 0 seconds");
  if (c.max_attempts < 1) return Error("max_attempts: must be at least 1");
  if (!(c.backoff_seconds > 0) || !std::isfinite(c.backoff_seconds)) {
    return Error("backoff: must be a finite number of seconds > 0");
  }
  if (!(c.backoff_cap_seconds >= c.backoff_seconds) || !std::isfinite(c.backoff_cap_seconds)) {
    return Error("backoff_cap: must be a finite number of seconds, at least backoff");
  }
  if (!(c.give_up_after_seconds > 0) || !std::isfinite(c.give_up_after_seconds)) {
    return Error("give_up_after: must be a finite number of seconds > 0");
  }
  if (!(c.hedge_after == 0 || c.hedge_after >= 1) || !std::isfinite(c.hedge_after)) {
    return Error("hedge_after: must be 0 (never hedge) or a finite number at least 1");
  }
  if (!(c.hedge_min_delay_seconds >= 0) || !std::isfinite(c.hedge_min_delay_seconds)) {
    return Error("hedge_min_delay: must be a finite number of seconds >= 0");
  }
  if (c.input_price_per_million < 0) return Error("input_price_per_million: must be >= 0");
  if (c.output_price_per_million < 0) return Error("output_price_per_million: must be >= 0");
  if (!c.extra_body.is_object()) return Error("extra_body: must be a table");
  return Status::Ok();
}

}  // namespace privqa
