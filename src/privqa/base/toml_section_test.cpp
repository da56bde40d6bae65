#include "privqa/base/toml_section.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing.h"

namespace privqa {
namespace {

toml::table parse(std::string_view text) {
  return toml::parse(text, std::string_view("cfg.toml"));
}

TEST(TomlSection, ReadsEachTypeAndLeavesAbsentKeysAsTheyWere) {
  const toml::table t = parse(
      "[run]\nname = \"a\"\nfast = true\ncount = 7\nsmall = 3\nrate = 2\nshare = 0.5\n"
      "tags = [\"x\", \"y\"]\n");
  TomlSection s(*t["run"].as_table(), "run", "cfg.toml");
  std::string name, absent_text = "default";
  bool fast = false;
  int64_t count = 0;
  int small = 0, absent_number = 42;
  double rate = 0, share = 0;
  std::vector<std::string> tags;
  ASSERT_TRUE(s.read("name", name).ok());
  ASSERT_TRUE(s.read("fast", fast).ok());
  ASSERT_TRUE(s.read("count", count, 0, 10).ok());
  ASSERT_TRUE(s.read("small", small, 0, 10).ok());
  ASSERT_TRUE(s.read("rate", rate, 0, 10).ok()) << "an integer is a number";
  ASSERT_TRUE(s.read("share", share, 0, 1).ok());
  ASSERT_TRUE(s.read("tags", tags).ok());
  ASSERT_TRUE(s.read("absent_text", absent_text).ok());
  ASSERT_TRUE(s.read("absent_number", absent_number, 0, 100).ok());
  EXPECT_EQ(name, "a");
  EXPECT_TRUE(fast);
  EXPECT_EQ(count, 7);
  EXPECT_EQ(small, 3);
  EXPECT_EQ(rate, 2.0);
  EXPECT_EQ(share, 0.5);
  EXPECT_EQ(tags, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(absent_text, "default");
  EXPECT_EQ(absent_number, 42);
  EXPECT_TRUE(s.check_unknown().ok());
}

TEST(TomlSection, AWrongValueNamesFileLineAndDottedKey) {
  const toml::table t = parse(
      "[providers.p]\nname = 3\nfast = \"yes\"\ncount = 1.5\nbig = 11\n"
      "share = \"half\"\nlow = -1.0\ntags = [1]\nnan = nan\n");
  TomlSection s(*t["providers"]["p"].as_table(), "providers.p", "cfg.toml");
  std::string text;
  bool flag = false;
  int64_t number = 0;
  double real = 0;
  std::vector<std::string> list;
  const std::vector<std::pair<Status, std::string>> cases = {
      {s.read("name", text), "cfg.toml:2: providers.p.name: must be a string"},
      {s.read("fast", flag), "cfg.toml:3: providers.p.fast: must be true or false"},
      {s.read("count", number, 0, 10), "cfg.toml:4: providers.p.count: must be an integer"},
      {s.read("big", number, 0, 10), "cfg.toml:5: providers.p.big: must be between 0 and 10"},
      {s.read("share", real, 0, 1), "cfg.toml:6: providers.p.share: must be a number"},
      {s.read("low", real, 0, 1), "cfg.toml:7: providers.p.low: -1 is outside [0, 1]"},
      {s.read("tags", list), "cfg.toml:8: providers.p.tags: must be an array of strings"},
      {s.read("nan", real, 0, 1), "cfg.toml:9: providers.p.nan: must be a number"},
  };
  for (const auto& [status, expected] : cases) {
    ASSERT_FALSE(status.ok()) << expected;
    EXPECT_EQ(status.error().message(), expected);
  }
  EXPECT_TRUE(text.empty() && !flag && number == 0 && real == 0 && list.empty())
      << "a failed read leaves its target as it was";
}

TEST(TomlSection, AKeyNobodyAskedForIsUnknown) {
  const toml::table t = parse("[run]\nname = \"a\"\n\ncolour = \"red\"\n");
  TomlSection s(*t["run"].as_table(), "run", "cfg.toml");
  std::string name;
  int64_t size = 0;
  ASSERT_TRUE(s.read("name", name).ok());
  ASSERT_TRUE(s.read("size", size, 0, 9).ok());
  const Status unknown = s.check_unknown();
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message(), "cfg.toml:4: run.colour: unknown key (known: name, size)");
}

TEST(TomlSection, AnErrorAboutAnAbsentKeyPointsAtItsTable) {
  const toml::table t = parse("\n[run]\nname = \"a\"\n");
  TomlSection s(*t["run"].as_table(), "run", "cfg.toml");
  EXPECT_EQ(s.error("output", "is required").message(), "cfg.toml:2: run.output: is required");
}

TEST(ParseTomlFile, SyntaxErrorsNameLineAndColumnAndMissingFilesThePath) {
  testing::TempDir dir;
  const auto path = dir.path() / "bad.toml";
  std::ofstream(path) << "[run]\nname = \"a\"\nsize = = 3\n";
  const Result<toml::table> bad = parse_toml_file(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message().rfind(path.string() + ":3:", 0), 0u) << bad.error().message();
  const Result<toml::table> missing = parse_toml_file(dir.path() / "none.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("none.toml"), std::string::npos);
  std::ofstream(dir.path() / "good.toml") << "[run]\nname = \"a\"\n";
  const Result<toml::table> good = parse_toml_file(dir.path() / "good.toml");
  ASSERT_TRUE(good.ok()) << good.error().message();
  EXPECT_EQ((*good)["run"]["name"].value<std::string>(), "a");
}

}  // namespace
}  // namespace privqa
