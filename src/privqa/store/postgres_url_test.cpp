#include "privqa/store/postgres_url.h"

#include <gtest/gtest.h>

namespace privqa {
namespace {

TEST(PostgresUrl, TellsUrlsFromPaths) {
  EXPECT_TRUE(is_postgres_url("postgresql://u@h/db"));
  EXPECT_TRUE(is_postgres_url("postgres://u@h/db"));
  EXPECT_FALSE(is_postgres_url("runs/postgresql.db"));
  EXPECT_FALSE(is_postgres_url("/data/postgresql://x"));
}

TEST(PostgresUrl, TakesTheSchemaAndKeepsLibpqParameters) {
  auto plain = parse_postgres_url("postgresql://alice@db.example:5433/runs");
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  EXPECT_EQ(plain->schema, "public");
  EXPECT_EQ(plain->conninfo, "postgresql://alice@db.example:5433/runs");
  EXPECT_EQ(plain->shown, "postgresql://alice@db.example:5433/runs");

  const std::string url =
      "postgresql://alice@db.example/runs?sslmode=require&schema=exp_2&application_name=x";
  auto with_schema = parse_postgres_url(url);
  ASSERT_TRUE(with_schema.ok()) << with_schema.error().message();
  EXPECT_EQ(with_schema->schema, "exp_2");
  EXPECT_EQ(with_schema->conninfo,
            "postgresql://alice@db.example/runs?sslmode=require&application_name=x");
  EXPECT_EQ(with_schema->shown, url);
}

TEST(PostgresUrl, TakesTheReconnectPatience) {
  auto plain = parse_postgres_url("postgresql://u@h/db");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->reconnect_seconds, 300);
  auto given = parse_postgres_url("postgresql://u@h/db?reconnect_seconds=2.5&schema=a");
  ASSERT_TRUE(given.ok()) << given.error().message();
  EXPECT_EQ(given->reconnect_seconds, 2.5);
  EXPECT_EQ(given->schema, "a");
  EXPECT_EQ(given->conninfo, "postgresql://u@h/db");
  for (const std::string bad : {"-1", "", "soon", "1e9", "nan"}) {
    auto refused = parse_postgres_url("postgresql://u@h/db?reconnect_seconds=" + bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().message().find("reconnect_seconds '" + bad + "' is not a number"),
              std::string::npos)
        << refused.error().message();
  }
}

TEST(PostgresUrl, RefusesAPasswordWithoutRepeatingIt) {
  for (const std::string url :
       {"postgresql://alice:s3cret@h/runs", "postgresql://alice@h/runs?password=s3cret",
        "postgresql://alice:s3cret@h/runs?schema=a"}) {
    auto refused = parse_postgres_url(url);
    ASSERT_FALSE(refused.ok()) << url;
    const std::string& m = refused.error().message();
    EXPECT_EQ(m.find("s3cret"), std::string::npos) << m;
    EXPECT_NE(m.find("PGPASSWORD"), std::string::npos) << m;
    EXPECT_NE(m.find("~/.pgpass"), std::string::npos) << m;
  }
  auto masked = parse_postgres_url("postgresql://alice:s3cret@h/runs?password=s3cret&schema=a");
  ASSERT_FALSE(masked.ok());
  EXPECT_EQ(masked.error().message().rfind(
                "postgresql://alice:***@h/runs?password=***&schema=a: the URL holds a password", 0),
            0u)
      << masked.error().message();
}

TEST(PostgresUrl, RefusesBadSchemasAndUrls) {
  auto quote = parse_postgres_url("postgresql://u@h/db?schema=a\"b");
  ASSERT_FALSE(quote.ok());
  EXPECT_EQ(quote.error().message().rfind(
                "postgresql://u@h/db?schema=a\"b: schema 'a\"b' is not a plain name", 0),
            0u)
      << quote.error().message();
  EXPECT_FALSE(parse_postgres_url("postgresql://u@h/db?schema=").ok());
  EXPECT_FALSE(parse_postgres_url("postgresql://u@h/db?schema=1abc").ok());
  auto unknown = parse_postgres_url("postgresql://u@h/db?colour=blue");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("colour"), std::string::npos)
      << unknown.error().message();
}

}  // namespace
}  // namespace privqa
