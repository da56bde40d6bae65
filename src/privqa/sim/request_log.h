// The request log: one JSON object per line per request received, written as
// each request is decided, so egress tests can read what a model was sent.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>

#include "privqa/base/result.h"

namespace privqa::sim {

// Request bodies nested deeper than this are logged as text rather than as
// JSON: writing them as JSON (and reading them back) recurses once per level,
// and a client may send any depth.
constexpr size_t kMaxLoggedDepth = 64;

// The deepest nesting of arrays and objects in a JSON text; brackets inside
// strings do not count.
size_t json_nesting_depth(std::string_view text);

class RequestLog {
 public:
  RequestLog() = default;  // disabled: write() does nothing
  // Creates (truncates) the file.
  static Result<RequestLog> open(const std::filesystem::path& path);

  bool enabled() const { return out_.is_open(); }
  void write(const nlohmann::json& entry);  // one line, flushed

 private:
  std::ofstream out_;
};

}  // namespace privqa::sim
