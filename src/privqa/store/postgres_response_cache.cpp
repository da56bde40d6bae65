// The response cache of a PostgreSQL database (postgres_store.h).
#include <fmt/format.h>

#include <chrono>

#include "privqa/store/postgres.h"
#include "privqa/store/postgres_store.h"

namespace privqa {

namespace {

// The cache's schema: one per database, whatever schema the run uses.
constexpr const char* kCacheTables = R"sql(
CREATE SCHEMA IF NOT EXISTS privqa_cache;
CREATE TABLE IF NOT EXISTS privqa_cache.responses (
  key TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  body TEXT NOT NULL,
  created_unix DOUBLE PRECISION NOT NULL
);
)sql";

class PostgresResponseCache final : public ResponseCache {
 public:
  explicit PostgresResponseCache(pg::Connection db) : db_(std::move(db)) {}

  Result<std::optional<std::string>> get(const std::string& key) override {
    auto rows = db_.query("SELECT body FROM privqa_cache.responses WHERE key = $1", {key},
                          "look up a cached response (table privqa_cache.responses)");
    if (!rows) return rows.error();
    if (rows->size() == 0) return std::optional<std::string>();
    return std::optional<std::string>(rows->text(0, 0));
  }

  Status put(const std::string& key, std::string_view provider,
             std::string_view response_body) override {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    return db_.run(
        "INSERT INTO privqa_cache.responses (key, provider, body, created_unix) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET provider = EXCLUDED.provider, "
        "body = EXCLUDED.body, created_unix = EXCLUDED.created_unix",
        {key, std::string(provider), std::string(response_body), fmt::format("{}", now)},
        "store a response (table privqa_cache.responses)");
  }

 private:
  pg::Connection db_;
};

}  // namespace

Result<std::unique_ptr<ResponseCache>> open_postgres_response_cache(const PostgresUrl& url) {
  auto db = pg::Connection::open(url, pg::Access::kReadWrite);
  if (!db) return db.error().wrap("response cache");
  if (Status s = db->create(kCacheTables, "create the response cache"); !s) return s.error();
  return std::unique_ptr<ResponseCache>(new PostgresResponseCache(std::move(*db)));
}

}  // namespace privqa
