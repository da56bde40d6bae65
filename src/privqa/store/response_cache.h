// ResponseCache: successful LLM responses in SQLite, so re-running an
// experiment sends no request twice. The key is a 128-bit XXH3 hash of (base
// URL, model, endpoint, request body, sample index); the body holds the
// messages and every parameter, and never the API key (which travels only in
// a header). Only successful, decodable responses are stored. A run keeps its
// cache in its store file (table `responses`).
//
// Not found: get() of a key never stored returns nullopt, not an error.
// Errors (a locked, full or damaged file) are values naming the file; a
// caller that goes on without the cache counts them (LlmClient:
// ProviderCounters::cache_errors), so they reach the run summary, the store's
// session records and the report.
//
// Threading: one thread at a time (LlmClient calls it on the event loop
// thread, so the clients of one run can share one cache). Several caches,
// in one process or several, may open the same file (sqlite.h: WAL mode,
// busy timeout); a response stored through one is seen by the others.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "privqa/base/result.h"
#include "privqa/store/sqlite.h"

namespace privqa {

// How a call uses the cache.
enum class CacheMode {
  kUse,      // answer from the cache when possible; store new responses
  kRefresh,  // always send; overwrite the stored response
  kBypass,   // neither read nor write
};

class ResponseCache {
 public:
  // Opens (creating if needed) the database at `path`; its folder must exist.
  static Result<std::unique_ptr<ResponseCache>> open(const std::filesystem::path& path);
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  // 32 hex digits.
  static std::string key(std::string_view base_url, std::string_view model,
                         std::string_view endpoint, std::string_view request_body,
                         int sample_index);

  // The stored response body, or nullopt when `key` was never stored.
  Result<std::optional<std::string>> get(const std::string& key);
  // Stores (or replaces) the response of `key`; durable when it returns.
  Status put(const std::string& key, std::string_view provider, std::string_view response_body);

 private:
  ResponseCache(sqlite::Database db, sqlite::Statement get, sqlite::Statement put)
      : db_(std::move(db)), get_(std::move(get)), put_(std::move(put)) {}
  sqlite::Database db_;
  sqlite::Statement get_;
  sqlite::Statement put_;
};

}  // namespace privqa
