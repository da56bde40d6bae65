#include "privqa/store/response_cache.h"

#include <gtest/gtest.h>

#include <set>

#include "privqa/store/open_store.h"
#include "privqa/store/sqlite.h"
#include "store/store_testing.h"
#include "testing.h"

namespace privqa {
namespace {

TEST(ResponseCacheKey, DependsOnEveryPartAndIgnoresATrailingSlash) {
  const std::string k = ResponseCache::key("https://a/v1", "m", "/chat/completions", "{}", 0);
  EXPECT_EQ(k.size(), 32u);
  EXPECT_EQ(k.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(k, ResponseCache::key("https://a/v1/", "m", "/chat/completions", "{}", 0));
  const std::set<std::string> keys = {
      k,
      ResponseCache::key("https://b/v1", "m", "/chat/completions", "{}", 0),
      ResponseCache::key("https://a/v1", "m2", "/chat/completions", "{}", 0),
      ResponseCache::key("https://a/v1", "m", "/embeddings", "{}", 0),
      ResponseCache::key("https://a/v1", "m", "/chat/completions", "{ }", 0),
      ResponseCache::key("https://a/v1", "m", "/chat/completions", "{}", 1),
      // Field boundaries matter: moving a character between fields changes the key.
      ResponseCache::key("https://a/v", "1m", "/chat/completions", "{}", 0),
  };
  EXPECT_EQ(keys.size(), 7u);
}

// The behaviour every backend shares, run on SQLite and on PostgreSQL.
using ResponseCacheTest = store_testing::BackendTest;
PRIVQA_INSTANTIATE_BACKENDS(ResponseCacheTest);

TEST_P(ResponseCacheTest, StoresAndIsSharedBetweenConnections) {
  Result<std::unique_ptr<ResponseCache>> a = open_response_cache(location());
  ASSERT_TRUE(a.ok()) << a.error().message();
  Result<std::unique_ptr<ResponseCache>> b = open_response_cache(location());
  ASSERT_TRUE(b.ok()) << b.error().message();

  Result<std::optional<std::string>> miss = (*a)->get("k1");
  ASSERT_TRUE(miss.ok());
  EXPECT_FALSE(miss.value().has_value());

  ASSERT_TRUE((*a)->put("k1", "prov", R"({"choices":[]})").ok());
  Result<std::optional<std::string>> hit = (*b)->get("k1");
  ASSERT_TRUE(hit.ok());
  ASSERT_TRUE(hit.value().has_value());
  EXPECT_EQ(*hit.value(), R"({"choices":[]})");

  // Refresh overwrites.
  ASSERT_TRUE((*b)->put("k1", "prov", "second \xE2\x80\x93 text").ok());
  EXPECT_EQ(*(*a)->get("k1").value(), "second \xE2\x80\x93 text");
}

TEST_P(ResponseCacheTest, TheStoresCacheIsTheRunsCache) {
  // The cache a run gets from its store (on the store's own connection, for
  // SQLite) holds what a cache opened on the same location holds, both ways,
  // and stays usable beside the store's own writes.
  auto store = open_store(location());
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto from_store = (*store)->response_cache();
  ASSERT_TRUE(from_store.ok()) << from_store.error().message();
  auto opened = open_response_cache(location());
  ASSERT_TRUE(opened.ok()) << opened.error().message();

  ASSERT_TRUE((*from_store)->put("k1", "prov", "one").ok());
  ASSERT_TRUE((*store)->set_meta("note", "between the cache's writes").ok());
  ASSERT_TRUE((*opened)->put("k2", "prov", "two").ok());
  EXPECT_EQ((*opened)->get("k1").value(), std::optional<std::string>("one"));
  EXPECT_EQ((*from_store)->get("k2").value(), std::optional<std::string>("two"));
  auto meta = (*store)->meta();
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->at("note"), "between the cache's writes");
}

TEST(ResponseCache, SqliteKeepsAWriteAheadLog) {
  testing::TempDir dir;
  auto cache = open_response_cache(dir / "cache.db");
  ASSERT_TRUE(cache.ok()) << cache.error().message();
  ASSERT_TRUE((*cache)->put("k1", "prov", "body").ok());
  EXPECT_TRUE(std::filesystem::exists(dir / "cache.db-wal"));
}

TEST(ResponseCache, OpenFailsClearlyOnAnUnusablePath) {
  testing::TempDir dir;
  auto c = open_response_cache(dir / "no" / "such" / "x.db");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("x.db"), std::string::npos) << c.error().message();
}

// A cache whose table another connection dropped (as in a damaged store):
// reads and writes fail with errors naming the file or URL.
TEST_P(ResponseCacheTest, ReadAndWriteErrorsNameTheStore) {
  auto cache = open_response_cache(location());
  ASSERT_TRUE(cache.ok()) << cache.error().message();
  ASSERT_TRUE((*cache)->put("k1", "prov", "body").ok());
  store_testing::exec_raw(location(), GetParam() == store_testing::Backend::kSqlite
                                          ? "DROP TABLE responses"
                                          : "DROP TABLE privqa_cache.responses");
  Result<std::optional<std::string>> get = (*cache)->get("k1");
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.error().message().rfind(location() + ": cannot look up a cached response", 0), 0u)
      << get.error().message();
  Status put = (*cache)->put("k2", "prov", "body");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().message().rfind(location() + ": cannot store a response", 0), 0u)
      << put.error().message();
}

// One cache per database: runs in other schemas share it.
TEST(PostgresResponseCache, IsSharedByTheSchemasOfADatabase) {
  PRIVQA_REQUIRE_POSTGRES(server);
  const std::string database = server->new_database();
  auto a = open_response_cache(database + "?schema=exp_a");
  auto b = open_response_cache(database + "?schema=exp_b");
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(b.ok()) << b.error().message();
  ASSERT_TRUE((*a)->put("k1", "prov", "body").ok());
  auto hit = (*b)->get("k1");
  ASSERT_TRUE(hit.ok()) << hit.error().message();
  EXPECT_EQ(hit->value_or(""), "body");
}

}  // namespace
}  // namespace privqa
