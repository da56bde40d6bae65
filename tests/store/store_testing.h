// Helpers for the store tests: the backends they run on, and raw access
// for tests that damage a store on purpose.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "postgres_server.h"
#include "privqa/store/postgres.h"
#include "privqa/store/postgres_url.h"
#include "privqa/store/sqlite.h"
#include "testing.h"

namespace privqa::store_testing {

enum class Backend { kSqlite, kPostgres };

// Test names and messages show the backend's name.
inline void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

struct BackendName {
  std::string operator()(const ::testing::TestParamInfo<Backend>& info) const {
    return info.param == Backend::kSqlite ? "SQLite" : "PostgreSQL";
  }
};

// A test run on each backend: location() is a fresh store's location, a
// file in a temp folder or a new database on the shared test server (the
// test skips, saying why, when there can be none).
class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kSqlite) {
      location_ = (dir_ / "run.db").string();
      return;
    }
    PRIVQA_REQUIRE_POSTGRES(server);
    location_ = server->new_database();
  }
  const std::string& location() const { return location_; }

  testing::TempDir dir_;

 private:
  std::string location_;
};

#define PRIVQA_INSTANTIATE_BACKENDS(suite)                                                 \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                \
                           ::testing::Values(::privqa::store_testing::Backend::kSqlite,    \
                                             ::privqa::store_testing::Backend::kPostgres), \
                           ::privqa::store_testing::BackendName())

// A connection to the PostgreSQL store at `url`, for raw statements.
inline pg::Connection raw_postgres(const std::string& url) {
  auto parsed = parse_postgres_url(url);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message();
  auto db = pg::Connection::open(*parsed, pg::Access::kReadWrite);
  EXPECT_TRUE(db.ok()) << db.error().message();
  return std::move(*db);
}

// Runs raw SQL on the store at `location` (path or URL).
inline void exec_raw(const std::string& location, const std::string& sql) {
  if (is_postgres_url(location)) {
    ASSERT_TRUE(raw_postgres(location).exec(sql, "exec").ok());
    return;
  }
  auto db = sqlite::Database::open(location, sqlite::OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok()) << db.error().message();
  ASSERT_TRUE(db->exec(sql, "exec").ok());
}

// Writes the raw meta value "sessions", as an older or damaged store may hold it.
inline void write_raw_sessions(const std::string& location, const std::string& value) {
  if (is_postgres_url(location)) {
    Status s = raw_postgres(location).run(
        "INSERT INTO meta (key, value) VALUES ('sessions', $1) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        {value}, "write");
    ASSERT_TRUE(s.ok()) << s.error().message();
    return;
  }
  auto db = sqlite::Database::open(location, sqlite::OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok()) << db.error().message();
  auto s = db->prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('sessions', ?)");
  ASSERT_TRUE(s.ok()) << s.error().message();
  ASSERT_TRUE(s->bind_text(1, value).run("write").ok());
}

// The raw meta value "sessions"; empty when none is stored.
inline std::string raw_sessions(const std::string& location) {
  if (is_postgres_url(location)) {
    pg::Connection db = raw_postgres(location);
    auto rows = db.query("SELECT value FROM meta WHERE key = 'sessions'", {}, "read");
    EXPECT_TRUE(rows.ok()) << rows.error().message();
    return rows.ok() && rows->size() == 1 ? std::string(rows->text(0, 0)) : "";
  }
  auto db = sqlite::Database::open(location, sqlite::OpenMode::kReadOnly);
  EXPECT_TRUE(db.ok()) << db.error().message();
  auto s = db->prepare("SELECT value FROM meta WHERE key = 'sessions'");
  EXPECT_TRUE(s.ok()) << s.error().message();
  auto row = s->step("read");
  return row.ok() && *row ? s->column_text(0) : "";
}

}  // namespace privqa::store_testing
