// Shards: the I/N syntax, and a split that is XXH64 of the cell key.
#include "privqa/store/shard.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace privqa {
namespace {

TEST(Shard, ParsesIndexOverCount) {
  auto shard = parse_shard("2/5");
  ASSERT_TRUE(shard.ok()) << shard.error().message();
  EXPECT_EQ(shard->index, 2u);
  EXPECT_EQ(shard->count, 5u);
  EXPECT_EQ(shard->str(), "2/5");
}

TEST(Shard, RefusesWhatIsNotIOverN) {
  const std::pair<const char*, const char*> bad[] = {
      {"3/3", "I must be less than N"},
      {"0/0", "N must be 1 or more"},
      {"1", "no '/'"},
      {"a/3", "I is not a whole number"},
      {"1/x", "N is not a whole number"},
      {"-1/3", "I is not a whole number"},
      {"1/3 ", "N is not a whole number"},
      {"/3", "I is not a whole number"},
  };
  for (const auto& [text, why] : bad) {
    auto shard = parse_shard(text);
    ASSERT_FALSE(shard.ok()) << text;
    EXPECT_NE(shard.error().message().find(why), std::string::npos) << shard.error().message();
    EXPECT_NE(shard.error().message().find(std::string("'") + text + "'"), std::string::npos)
        << shard.error().message();
  }
}

// The expected shards are XXH64 (seed 0) of the keys' text mod N, computed
// outside privqa by an independent implementation of XXH64's specification.
TEST(Shard, SplitsByXxh64OfTheKeyText) {
  const CellKey s3{"q17", Scenario::kPrivateCot, "santext+", 2, 0};
  const CellKey s1{"q1", Scenario::kLocal, "", 0, 0};
  ASSERT_EQ(s3.str(), "q17|S3|santext+|2|0");  // XXH64 0x78835b08fd7bb5fd
  ASSERT_EQ(s1.str(), "q1|S1||0|0");           // XXH64 0x85699766c0404981
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ((Shard{i, 3}.contains(s3)), i == 2) << i;
    EXPECT_EQ((Shard{i, 3}.contains(s1)), i == 1) << i;
  }
  for (uint32_t i = 0; i < 7; ++i) {
    EXPECT_EQ((Shard{i, 7}.contains(s3)), i == 5) << i;
    EXPECT_EQ((Shard{i, 7}.contains(s1)), i == 2) << i;
  }
  EXPECT_TRUE((Shard{0, 1}.contains(s3)));
}

TEST(Shard, EveryCellIsInExactlyOneShard) {
  for (int q = 0; q < 200; ++q) {
    const CellKey key{fmt::format("q{}", q), Scenario::kRemote, "", 0, 0};
    int holders = 0;
    for (uint32_t i = 0; i < 4; ++i)
      holders += Shard{i, 4}.contains(key);
    EXPECT_EQ(holders, 1) << key.str();
  }
}

}  // namespace
}  // namespace privqa
