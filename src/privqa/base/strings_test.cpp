#include "privqa/base/strings.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace privqa {
namespace {

// Marks each character of `text`: 's' in a string literal, '.' outside.
std::string literal_marks(std::string_view text) {
  JsonLiteralTracker literals;
  std::string marks;
  for (const char c : text)
    marks += literals.in_literal(c) ? 's' : '.';
  return marks;
}

TEST(JsonLiteralTracker, QuotesAndEscapesBelongToTheLiteral) {
  EXPECT_EQ(literal_marks(R"([1, "a]"])"), "....ssss.");
  EXPECT_EQ(literal_marks(R"({"q\"]": 2})"), ".ssssss....");
  EXPECT_EQ(literal_marks(R"(["\\", 3])"), ".ssss....");
}

TEST(ReplaceAll, ReplacesEveryOccurrenceOnceAndNeverItsReplacement) {
  EXPECT_EQ(replace_all("key, key and keykey", "key", "[k]"), "[k], [k] and [k][k]");
  EXPECT_EQ(replace_all("aaa", "a", "aa"), "aaaaaa");
  EXPECT_EQ(replace_all("abc", "", "x"), "abc");
  EXPECT_EQ(replace_all("", "a", "b"), "");
}

TEST(Hash128Hex, ThirtyTwoHexDigitsThatFollowEveryByte) {
  const std::string a = hash128_hex("chest pain");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_EQ(hash128_hex("chest pain"), a);
  EXPECT_NE(hash128_hex("chest pain "), a);
  EXPECT_NE(hash128_hex(std::string_view("chest pain\0", 11)), a) << "bytes, not a C string";
}

TEST(EstimateTokens, FourBytesATokenRoundedUp) {
  EXPECT_EQ(estimate_tokens(""), 0u);
  EXPECT_EQ(estimate_tokens("abcd"), 1u);
  EXPECT_EQ(estimate_tokens("abcde"), 2u);
  EXPECT_EQ(estimate_tokens("\xC3\xA9t\xC3\xA9"), 2u) << "bytes, not characters: 6 bytes";
}

}  // namespace
}  // namespace privqa
