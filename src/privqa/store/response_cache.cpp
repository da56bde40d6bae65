#include "privqa/store/response_cache.h"

#include <chrono>

#include "privqa/base/strings.h"
#include "privqa/store/sqlite.h"

namespace privqa {

namespace {

class SqliteResponseCache final : public ResponseCache {
 public:
  SqliteResponseCache(sqlite::Database db, sqlite::Statement get, sqlite::Statement put)
      : db_(std::move(db)), get_(std::move(get)), put_(std::move(put)) {}

  Result<std::optional<std::string>> get(const std::string& key) override {
    get_.bind_text(1, key);
    Result<bool> row = get_.step("look up a cached response");
    if (!row) return row.error();
    if (!*row) return std::optional<std::string>();
    std::optional<std::string> body(get_.column_text(0));
    get_.reset();
    return body;
  }

  Status put(const std::string& key, std::string_view provider,
             std::string_view response_body) override {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    return put_.bind_text(1, key)
        .bind_text(2, provider)
        .bind_text(3, response_body)
        .bind_double(4, now)
        .run("store a response");
  }

 private:
  sqlite::Database db_;
  sqlite::Statement get_;
  sqlite::Statement put_;
};

}  // namespace

Result<std::unique_ptr<ResponseCache>> open_sqlite_response_cache(
    const std::filesystem::path& path) {
  auto db = sqlite::Database::open(path, sqlite::OpenMode::kReadWrite);
  if (!db) return db.error().wrap("response cache");
  return open_sqlite_response_cache(std::move(*db));
}

Result<std::unique_ptr<ResponseCache>> open_sqlite_response_cache(sqlite::Database db) {
  if (Status s = db.exec("CREATE TABLE IF NOT EXISTS responses ("
                         "  key TEXT PRIMARY KEY,"
                         "  provider TEXT NOT NULL,"
                         "  body TEXT NOT NULL,"
                         "  created_unix REAL NOT NULL)",
                         "create the response cache");
      !s) {
    return s.error();
  }
  auto get = db.prepare("SELECT body FROM responses WHERE key = ?1");
  if (!get) return get.error();
  auto put = db.prepare(
      "INSERT OR REPLACE INTO responses (key, provider, body, created_unix) "
      "VALUES (?1, ?2, ?3, ?4)");
  if (!put) return put.error();
  return std::unique_ptr<ResponseCache>(
      new SqliteResponseCache(std::move(db), std::move(*get), std::move(*put)));
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
  return hash128_hex(material);
}

}  // namespace privqa
