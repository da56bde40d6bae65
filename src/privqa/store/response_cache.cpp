#include "privqa/store/response_cache.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <xxhash.h>

#include <chrono>

namespace privqa {
namespace {

Error sqlite_error(sqlite3* db, std::string_view what) {
  return Error(fmt::format("response cache: {}: {}", what, sqlite3_errmsg(db)));
}

}  // namespace

Result<std::unique_ptr<ResponseCache>> ResponseCache::open(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    Error e = Error(fmt::format("response cache {}: {}", path.string(),
                                db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 10'000);
  const char* setup =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      "CREATE TABLE IF NOT EXISTS responses ("
      "  key TEXT PRIMARY KEY,"
      "  provider TEXT NOT NULL,"
      "  body TEXT NOT NULL,"
      "  created_unix REAL NOT NULL)";
  char* message = nullptr;
  if (sqlite3_exec(db, setup, nullptr, nullptr, &message) != SQLITE_OK) {
    Error e(fmt::format("response cache {}: {}", path.string(), message ? message : "?"));
    sqlite3_free(message);
    sqlite3_close(db);
    return e;
  }
  sqlite3_stmt* get = nullptr;
  sqlite3_stmt* put = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT body FROM responses WHERE key = ?1", -1, &get, nullptr) !=
          SQLITE_OK ||
      sqlite3_prepare_v2(db,
                         "INSERT OR REPLACE INTO responses (key, provider, body, created_unix) "
                         "VALUES (?1, ?2, ?3, ?4)",
                         -1, &put, nullptr) != SQLITE_OK) {
    Error e = sqlite_error(db, path.string());
    sqlite3_finalize(get);
    sqlite3_finalize(put);
    sqlite3_close(db);
    return e;
  }
  return std::unique_ptr<ResponseCache>(new ResponseCache(db, get, put));
}

ResponseCache::~ResponseCache() {
  sqlite3_finalize(get_);
  sqlite3_finalize(put_);
  sqlite3_close(db_);
}

std::string ResponseCache::key(std::string_view base_url, std::string_view model,
                               std::string_view endpoint, std::string_view request_body,
                               int sample_index) {
  while (base_url.ends_with('/'))
    base_url.remove_suffix(1);
  // Length-prefixed fields, so no two different tuples serialize alike.
  const std::string sample = std::to_string(sample_index);
  std::string material;
  for (std::string_view field :
       {base_url, model, endpoint, request_body, std::string_view(sample)}) {
    material += std::to_string(field.size());
    material += ':';
    material += field;
  }
  const XXH128_hash_t h = XXH3_128bits(material.data(), material.size());
  return fmt::format("{:016x}{:016x}", h.high64, h.low64);
}

Result<std::optional<std::string>> ResponseCache::get(const std::string& key) {
  sqlite3_reset(get_);
  sqlite3_bind_text(get_, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(get_);
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return sqlite_error(db_, "lookup");
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(get_, 0));
  std::optional<std::string> body(std::string(text, sqlite3_column_bytes(get_, 0)));
  sqlite3_reset(get_);
  return body;
}

Status ResponseCache::put(const std::string& key, std::string_view provider,
                          std::string_view response_body) {
  sqlite3_reset(put_);
  sqlite3_bind_text(put_, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(put_, 2, provider.data(), static_cast<int>(provider.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(put_, 3, response_body.data(), static_cast<int>(response_body.size()),
                    SQLITE_TRANSIENT);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  sqlite3_bind_double(put_, 4, now);
  const int rc = sqlite3_step(put_);
  sqlite3_reset(put_);
  if (rc != SQLITE_DONE) return sqlite_error(db_, "store");
  return Status::Ok();
}

}  // namespace privqa
