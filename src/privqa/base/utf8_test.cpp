#include "privqa/base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace privqa {
namespace {

constexpr size_t npos = std::string::npos;

TEST(Utf8, WellFormedTextHasNoInvalidByte) {
  EXPECT_EQ(find_invalid_utf8(""), npos);
  EXPECT_EQ(find_invalid_utf8("plain ASCII\n"), npos);
  // 2, 3 and 4 bytes: é, €, 𝄞 (U+1D11E); the extremes U+0080, U+FFFF, U+10FFFF.
  EXPECT_EQ(find_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9D\x84\x9E"), npos);
  EXPECT_EQ(find_invalid_utf8("\xC2\x80\xEF\xBF\xBF\xF4\x8F\xBF\xBF"), npos);
}

TEST(Utf8, FindsTheFirstIllFormedByte) {
  EXPECT_EQ(find_invalid_utf8("ab\xFF"), 2u);            // never a UTF-8 byte
  EXPECT_EQ(find_invalid_utf8("a\x80z"), 1u);            // lone continuation byte
  EXPECT_EQ(find_invalid_utf8("x\xC0\xAF"), 1u);         // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\xAF"), 0u);      // overlong 3-byte form
  EXPECT_EQ(find_invalid_utf8("\xF0\x80\x80\xAF"), 0u);  // overlong 4-byte form
  EXPECT_EQ(find_invalid_utf8("ok\xED\xA0\x80"), 2u);    // surrogate U+D800
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(find_invalid_utf8("end \xE2\x82"), 4u);  // truncated at the end
  EXPECT_EQ(find_invalid_utf8("\xE2\x82z"), 0u);     // cut by an ASCII byte
  EXPECT_EQ(find_invalid_utf8("\xC3\xA9\xC3"), 2u);  // after a valid sequence
}

TEST(Utf8, ReplacesEachIllFormedByteWithTheReplacementCharacter) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(replace_invalid_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(replace_invalid_utf8("a\xFF"
                                 "b"),
            "a" + fffd + "b");
  // Each byte of an ill-formed sequence is replaced on its own.
  EXPECT_EQ(replace_invalid_utf8("\xC0\xAF"), fffd + fffd);
  EXPECT_EQ(replace_invalid_utf8("x\xE2\x82"), "x" + fffd + fffd);
  const std::string replaced = replace_invalid_utf8("\xED\xA0\x80 ok \xF4\x90\x80\x80");
  EXPECT_EQ(find_invalid_utf8(replaced), npos);
  EXPECT_EQ(replaced, fffd + fffd + fffd + " ok " + fffd + fffd + fffd + fffd);
}

TEST(Utf8, SnippetCutsOnACodePointBoundary) {
  EXPECT_EQ(snippet("short", 80), "short");
  EXPECT_EQ(snippet("exactly10!", 10), "exactly10!");
  EXPECT_EQ(snippet("0123456789abc", 10), "0123456789...");
  // "é" takes bytes 4-5: a cut at 5 would split it, so the cut moves to 4.
  EXPECT_EQ(snippet("abcd\xC3\xA9"
                    "fgh",
                    5),
            "abcd...");
  // "€" takes bytes 2-4.
  EXPECT_EQ(snippet("ab\xE2\x82\xAC"
                    "cd",
                    3),
            "ab...");
  EXPECT_EQ(snippet("ab\xE2\x82\xAC"
                    "cd",
                    5),
            "ab\xE2\x82\xAC...");
}

}  // namespace
}  // namespace privqa
