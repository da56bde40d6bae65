// The request log: one JSON object per line per request received, written as
// each request is decided, so egress tests can read what a model was sent.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "privqa/base/result.h"

namespace privqa::sim {

class RequestLog {
 public:
  RequestLog() = default;  // disabled: write() does nothing
  // Creates (truncates) the file.
  static Result<RequestLog> open(const std::filesystem::path& path);

  void write(const nlohmann::json& entry);  // one line, flushed

 private:
  std::ofstream out_;
};

}  // namespace privqa::sim
