#include "privqa/text/tokenizer.h"

#include <gtest/gtest.h>

#include <random>

#include "privqa/data/dataset.h"
#include "testing.h"

namespace privqa {
namespace {

using K = TokenKind;

struct Expected {
  TokenKind kind;
  std::string text;
};

void expect_tokens(std::string_view input, const std::vector<Expected>& expected) {
  const std::vector<Token> tokens = tokenize(input);
  ASSERT_EQ(tokens.size(), expected.size()) << input;
  for (size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(tokens[i].text, expected[i].text) << input << " token " << i;
    EXPECT_EQ(tokens[i].kind, expected[i].kind) << input << " token " << i;
  }
}

// Every byte belongs to exactly one non-empty token, offsets are the running
// byte position, and the texts concatenate to the input.
void expect_lossless(std::string_view input) {
  const std::vector<Token> tokens = tokenize(input);
  size_t offset = 0;
  for (const Token& t : tokens) {
    ASSERT_FALSE(t.text.empty());
    ASSERT_EQ(t.offset, offset);
    ASSERT_EQ(input.substr(t.offset, t.text.size()), t.text);
    offset += t.text.size();
  }
  ASSERT_EQ(offset, input.size());
  ASSERT_EQ(detokenize(tokens), input);
}

TEST(Tokenizer, ClinicalSentence) {
  expect_tokens(
      "A 45-year-old man's X-ray: 3.5 mg, 1,000 units (COVID-19).",
      {{K::kWord, "A"},     {K::kSpace, " "},    {K::kWord, "45-year-old"}, {K::kSpace, " "},
       {K::kWord, "man's"}, {K::kSpace, " "},    {K::kWord, "X-ray"},       {K::kPunct, ":"},
       {K::kSpace, " "},    {K::kNumber, "3.5"}, {K::kSpace, " "},          {K::kWord, "mg"},
       {K::kPunct, ","},    {K::kSpace, " "},    {K::kNumber, "1,000"},     {K::kSpace, " "},
       {K::kWord, "units"}, {K::kSpace, " "},    {K::kPunct, "("},          {K::kWord, "COVID-19"},
       {K::kPunct, ")"},    {K::kPunct, "."}});
}

TEST(Tokenizer, JoinersOnlyBetweenWordCharacters) {
  expect_tokens("don't patients' -x- 'quoted'", {{K::kWord, "don't"},
                                                 {K::kSpace, " "},
                                                 {K::kWord, "patients"},
                                                 {K::kPunct, "'"},
                                                 {K::kSpace, " "},
                                                 {K::kPunct, "-"},
                                                 {K::kWord, "x"},
                                                 {K::kPunct, "-"},
                                                 {K::kSpace, " "},
                                                 {K::kPunct, "'"},
                                                 {K::kWord, "quoted"},
                                                 {K::kPunct, "'"}});
  // A hyphen between two numbers is a range, not a word; '.' and ',' join
  // digits only.
  expect_tokens("12-15 v1.2 e.g. 3.", {{K::kNumber, "12"},
                                       {K::kPunct, "-"},
                                       {K::kNumber, "15"},
                                       {K::kSpace, " "},
                                       {K::kWord, "v1"},
                                       {K::kPunct, "."},
                                       {K::kNumber, "2"},
                                       {K::kSpace, " "},
                                       {K::kWord, "e"},
                                       {K::kPunct, "."},
                                       {K::kWord, "g"},
                                       {K::kPunct, "."},
                                       {K::kSpace, " "},
                                       {K::kNumber, "3"},
                                       {K::kPunct, "."}});
  // Typographic apostrophe (U+2019) joins like the ASCII one.
  expect_tokens("Crohn\u2019s", {{K::kWord, "Crohn\u2019s"}});
}

TEST(Tokenizer, UnicodeLettersSpacesAndOffsets) {
  // U+00A0 no-break space and a tab/newline run are whitespace.
  expect_tokens("café\u00a0naïve \t\nΕλληνικά 日本語 β-blocker", {{K::kWord, "café"},
                                                                  {K::kSpace, "\u00a0"},
                                                                  {K::kWord, "naïve"},
                                                                  {K::kSpace, " \t\n"},
                                                                  {K::kWord, "Ελληνικά"},
                                                                  {K::kSpace, " "},
                                                                  {K::kWord, "日本語"},
                                                                  {K::kSpace, " "},
                                                                  {K::kWord, "β-blocker"}});
  const auto tokens = tokenize("café au");
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[1].offset, 5u);  // "é" takes two bytes
  EXPECT_EQ(tokens[2].offset, 6u);
}

TEST(Tokenizer, InvalidUtf8BytesAreSingleBytePunctuation) {
  expect_tokens(
      "ab\xff\xfe"
      "cd\xc3",
      {{K::kWord, "ab"},
       {K::kPunct, "\xff"},
       {K::kPunct, "\xfe"},
       {K::kWord, "cd"},
       {K::kPunct, "\xc3"}});
  expect_lossless("\xe2\x82");  // truncated three-byte sequence
}

TEST(Tokenizer, EmptyInput) {
  EXPECT_TRUE(tokenize("").empty());
  EXPECT_EQ(detokenize({}), "");
}

TEST(Tokenizer, SingleWordIsOneWordToken) {
  for (const char* word : {"pH", "x-ray", "don't", "COVID-19", "Straße"}) {
    EXPECT_TRUE(is_single_word(word)) << word;
  }
  // Punctuation, fragments an embedding table may hold, numbers, spaces and
  // several words.
  for (const char* text : {"", ">", "'s", "-lrb-", "u.s.", "1990", "3.5", " pH", "pH ", "x ray"}) {
    EXPECT_FALSE(is_single_word(text)) << text;
  }
}

TEST(Tokenizer, RandomInputsRoundTrip) {
  // Pieces chosen to hit every branch: joiners, digits, multibyte letters,
  // combining marks, emoji, invalid and truncated sequences.
  const std::vector<std::string> pieces = {
      "a", "Z",       "7",      "0",  "'", "-",    ".",    ",",        " ", "\t", "\n", "\u00a0",
      "é", "e\u0301", "\u2019", "日", "😀", "\xff", "\xc3", "\xe2\x82", "(", "\"", "_",  "\u2010"};
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(0, 30);
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    for (int n = length(rng); n > 0; --n)
      s += pieces[pick(rng)];
    expect_lossless(s);
  }
}

TEST(Tokenizer, MedMcqaDevRoundTripsByteForByte) {
  PRIVQA_REQUIRE_SHARED_DATA(dev, "medmcqa/dev.json");
  auto dataset = load_dataset(dev);
  ASSERT_TRUE(dataset.ok()) << dataset.error().message();
  ASSERT_EQ(dataset->questions.size(), 4183u);
  size_t texts = 0;
  for (const Question& q : dataset->questions) {
    ASSERT_NO_FATAL_FAILURE(expect_lossless(q.text)) << q.id;
    for (const std::string& option : q.options) {
      ASSERT_NO_FATAL_FAILURE(expect_lossless(option)) << q.id;
    }
    texts += 1 + q.options.size();
  }
  EXPECT_EQ(texts, 4183u * 5);
}

}  // namespace
}  // namespace privqa
