// ResponseCache: successful LLM responses in SQLite, so re-running an
// experiment sends no request twice (DESIGN §2). The key is a 128-bit XXH3
// hash of (base URL, model, endpoint, request body, sample index); the body
// holds the messages and every parameter, and never the API key (which
// travels only in a header). Only successful, decodable responses are stored.
// The database runs in WAL mode with a busy timeout, so several processes may
// share one file.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "privqa/base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace privqa {

// How a call uses the cache.
enum class CacheMode {
  kUse,      // answer from the cache when possible; store new responses
  kRefresh,  // always send; overwrite the stored response
  kBypass,   // neither read nor write
};

class ResponseCache {
 public:
  // Opens (creating if needed) the database at `path`.
  static Result<std::unique_ptr<ResponseCache>> open(const std::filesystem::path& path);
  ~ResponseCache();
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  // 32 hex digits.
  static std::string key(std::string_view base_url, std::string_view model,
                         std::string_view endpoint, std::string_view request_body,
                         int sample_index);

  // The stored response body, or nullopt on a miss.
  Result<std::optional<std::string>> get(const std::string& key);
  Status put(const std::string& key, std::string_view provider, std::string_view response_body);

 private:
  ResponseCache(sqlite3* db, sqlite3_stmt* get, sqlite3_stmt* put)
      : db_(db), get_(get), put_(put) {}
  sqlite3* db_;
  sqlite3_stmt* get_;
  sqlite3_stmt* put_;
};

}  // namespace privqa
