#include "privqa/llm/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace privqa {

std::string_view failure_kind_name(FailureKind kind) {
  switch (kind) {
    case FailureKind::kNone:
      return "none";
    case FailureKind::kTransport:
      return "transport";
    case FailureKind::kTimeout:
      return "timeout";
    case FailureKind::kTls:
      return "tls";
    case FailureKind::kInvalidRequest:
      return "invalid_request";
    case FailureKind::kRateLimited:
      return "rate_limited";
    case FailureKind::kServer:
      return "server";
    case FailureKind::kClient:
      return "client";
    case FailureKind::kQuota:
      return "quota";
    case FailureKind::kDecode:
      return "decode";
    case FailureKind::kDown:
      return "down";
  }
  return "unknown";
}

bool says_provider_is_down(FailureKind kind, long status) {
  switch (kind) {
    case FailureKind::kTransport:
    case FailureKind::kTimeout:
    case FailureKind::kTls:
    case FailureKind::kServer:
    case FailureKind::kDecode:
      return true;
    case FailureKind::kClient:
      return status == 401 || status == 403 || status == 404;
    default:
      return false;
  }
}

bool is_retryable(FailureKind kind) {
  switch (kind) {
    case FailureKind::kTransport:
    case FailureKind::kTimeout:
    case FailureKind::kRateLimited:
    case FailureKind::kServer:
    case FailureKind::kDecode:
      return true;
    default:
      return false;
  }
}

FailureKind classify_transport(TransportError error) {
  switch (error) {
    case TransportError::kNone:
      return FailureKind::kNone;
    case TransportError::kTimeout:
      return FailureKind::kTimeout;
    case TransportError::kTls:
      return FailureKind::kTls;
    case TransportError::kInvalidRequest:
      return FailureKind::kInvalidRequest;
    case TransportError::kDns:
    case TransportError::kConnect:
    case TransportError::kNetwork:
      return FailureKind::kTransport;
  }
  return FailureKind::kTransport;
}

FailureKind classify_status(long status, const ProviderError& error) {
  if (status >= 200 && status < 300) return FailureKind::kNone;
  const bool out_of_credit = error.code == "insufficient_quota" ||
                             error.type == "insufficient_quota" ||
                             error.code == "billing_hard_limit_reached";
  if (status == 402 || out_of_credit) return FailureKind::kQuota;
  if (status == 429) return FailureKind::kRateLimited;
  if (status == 408 || status == 409 || status >= 500) return FailureKind::kServer;
  return FailureKind::kClient;
}

std::chrono::milliseconds backoff_delay(int failures, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, std::mt19937_64& rng) {
  const int exponent = std::clamp(failures - 1, 0, 30);
  const double ceiling = std::min(static_cast<double>(cap.count()),
                                  static_cast<double>(base.count()) * std::ldexp(1.0, exponent));
  std::uniform_real_distribution<double> uniform(0.0, ceiling);
  return std::chrono::milliseconds(static_cast<int64_t>(uniform(rng)));
}

}  // namespace privqa
