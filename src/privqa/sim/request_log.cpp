#include "privqa/sim/request_log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "privqa/base/strings.h"

namespace privqa::sim {

size_t json_nesting_depth(std::string_view text) {
  size_t depth = 0, deepest = 0;
  JsonLiteralTracker literals;
  for (const char c : text) {
    if (literals.in_literal(c)) continue;
    if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Result<RequestLog> RequestLog::open(const std::filesystem::path& path) {
  RequestLog log;
  log.out_.open(path, std::ios::binary | std::ios::trunc);
  if (!log.out_) {
    return Error(path.string() + ": cannot create request log: " + std::strerror(errno));
  }
  return log;
}

void RequestLog::write(const nlohmann::json& entry) {
  if (!out_.is_open()) return;
  // Replacing invalid UTF-8 keeps every line valid JSON whatever a client sent.
  out_ << entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  out_.flush();
}

}  // namespace privqa::sim
