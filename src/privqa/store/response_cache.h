// ResponseCache: successful LLM responses, so re-running an experiment sends
// no request twice. The key is a 128-bit XXH3 hash of (base
// URL, model, endpoint, request body, sample index); the body holds the
// messages and every parameter, and never the API key (which travels only in
// a header). Only successful, decodable responses are stored. A run keeps its
// cache where its store is (open_store.h): in its SQLite file (table
// `responses`), or in its PostgreSQL database, shared by every run there
// (postgres_store.h).
//
// Not found: get() of a key never stored returns nullopt, not an error.
// Errors (a locked, full or damaged file; a database gone) are values naming
// the file or URL; a
// caller that goes on without the cache counts them (LlmClient:
// ProviderCounters::cache_errors), so they reach the run summary, the store's
// session records and the report.
//
// Threading: one thread at a time (LlmClient calls it on the event loop
// thread, so the clients of one run can share one cache). Several caches,
// in one process or several, may open the same file (sqlite.h: WAL mode,
// busy timeout) or database; a response stored through one is seen by the
// others.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "privqa/base/result.h"

namespace privqa {
namespace sqlite {
class Database;
}

// How a call uses the cache.
enum class CacheMode {
  kUse,      // answer from the cache when possible; store new responses
  kRefresh,  // always send; overwrite the stored response
  kBypass,   // neither read nor write
};

class ResponseCache {
 public:
  virtual ~ResponseCache() = default;

  // 32 hex digits.
  static std::string key(std::string_view base_url, std::string_view model,
                         std::string_view endpoint, std::string_view request_body,
                         int sample_index);

  // The stored response body, or nullopt when `key` was never stored.
  virtual Result<std::optional<std::string>> get(const std::string& key) = 0;
  // Stores (or replaces) the response of `key`; durable when it returns.
  virtual Status put(const std::string& key, std::string_view provider,
                     std::string_view response_body) = 0;
};

// Opens (creating if needed) the cache in the SQLite database at `path`; its
// folder must exist.
Result<std::unique_ptr<ResponseCache>> open_sqlite_response_cache(
    const std::filesystem::path& path);
// The same over a connection already open (shared with its other users).
Result<std::unique_ptr<ResponseCache>> open_sqlite_response_cache(sqlite::Database db);

}  // namespace privqa
