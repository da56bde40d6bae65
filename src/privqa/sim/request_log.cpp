#include "privqa/sim/request_log.h"

#include <cerrno>
#include <cstring>

namespace privqa::sim {

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
