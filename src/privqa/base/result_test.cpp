#include "privqa/base/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace privqa {
namespace {

Result<int> parse_port(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    return Error("'" + text + "' is not a port number");
  }
  return std::stoi(text);
}

// A caller adds where the value came from.
Result<int> port_field(const std::string& file, int line, const std::string& text) {
  auto port = parse_port(text);
  if (!port) return port.error().wrap(file + ":" + std::to_string(line) + ": field 'port'");
  return port;
}

TEST(Error, WrapPrefixesContextAndLeavesTheOriginalAlone) {
  const Error inner("'x' is not a port number");
  const Error outer = inner.wrap("run.toml:3: field 'port'");
  EXPECT_EQ(outer.message(), "run.toml:3: field 'port': 'x' is not a port number");
  EXPECT_EQ(inner.message(), "'x' is not a port number");
  EXPECT_EQ(outer.wrap("loading providers").message(),
            "loading providers: run.toml:3: field 'port': 'x' is not a port number");
}

TEST(Result, HoldsAValueOrAnError) {
  auto good = port_field("run.toml", 3, "8080");
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(static_cast<bool>(good));
  EXPECT_EQ(*good, 8080);
  EXPECT_EQ(good.value(), 8080);

  auto bad = port_field("run.toml", 3, "http");
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(bad.error().message(), "run.toml:3: field 'port': 'http' is not a port number");
}

TEST(Result, GivesAccessToAndMovesOutItsValue) {
  Result<std::string> text = std::string("hello");
  EXPECT_EQ(text->size(), 5u);
  text->append(" world");
  EXPECT_EQ(*text, "hello world");

  Result<std::unique_ptr<int>> owned = std::make_unique<int>(7);
  std::unique_ptr<int> taken = std::move(owned).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 7);
}

TEST(Status, IsOkOrCarriesAnError) {
  const Status ok = Status::Ok();
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(Status().ok());
  const Status failed = Error("disk full").wrap("results.db");
  EXPECT_FALSE(failed.ok());
  EXPECT_FALSE(static_cast<bool>(failed));
  EXPECT_EQ(failed.error().message(), "results.db: disk full");
}

}  // namespace
}  // namespace privqa
