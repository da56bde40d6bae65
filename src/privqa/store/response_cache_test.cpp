#include "privqa/store/response_cache.h"

#include <gtest/gtest.h>

#include <set>

#include "privqa/store/sqlite.h"
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

TEST(ResponseCache, StoresAndIsSharedBetweenConnections) {
  testing::TempDir dir;
  Result<std::unique_ptr<ResponseCache>> a = ResponseCache::open(dir / "cache.db");
  ASSERT_TRUE(a.ok()) << a.error().message();
  Result<std::unique_ptr<ResponseCache>> b = ResponseCache::open(dir / "cache.db");
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
  ASSERT_TRUE((*b)->put("k1", "prov", "second").ok());
  EXPECT_EQ(*(*a)->get("k1").value(), "second");
  // WAL mode: the write-ahead log file exists beside the database.
  EXPECT_TRUE(std::filesystem::exists(dir / "cache.db-wal"));
}

TEST(ResponseCache, OpenFailsClearlyOnAnUnusablePath) {
  testing::TempDir dir;
  Result<std::unique_ptr<ResponseCache>> c = ResponseCache::open(dir / "no" / "such" / "x.db");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("x.db"), std::string::npos) << c.error().message();
}

// A cache whose table another connection dropped (as in a damaged file):
// reads and writes fail with errors naming the file.
TEST(ResponseCache, ReadAndWriteErrorsNameTheFile) {
  testing::TempDir dir;
  const auto path = dir / "cache.db";
  Result<std::unique_ptr<ResponseCache>> cache = ResponseCache::open(path);
  ASSERT_TRUE(cache.ok()) << cache.error().message();
  ASSERT_TRUE((*cache)->put("k1", "prov", "body").ok());
  {
    auto db = sqlite::Database::open(path, sqlite::OpenMode::kReadWrite);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec("DROP TABLE responses", "drop").ok());
  }
  Result<std::optional<std::string>> get = (*cache)->get("k1");
  ASSERT_FALSE(get.ok());
  EXPECT_NE(get.error().message().find(path.string() + ": cannot look up a cached response: "),
            std::string::npos)
      << get.error().message();
  Status put = (*cache)->put("k2", "prov", "body");
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.error().message().find(path.string() + ": cannot store a response: "),
            std::string::npos)
      << put.error().message();
}

}  // namespace
}  // namespace privqa
