#include "privqa/exp/answer_parser.h"

#include <gtest/gtest.h>

namespace privqa {
namespace {

// Options of the table: a question on the nerve supply of the deltoid.
const std::vector<std::string> kOptions = {"Radial nerve", "Axillary nerve", "Ulnar nerve",
                                           "Median nerve"};

struct Case {
  const char* reply;
  char expected;  // 'A'..'D', or '-' for unparsed; what a careful human reader takes
};

// Realistic replies of chat models; the expected letter is what the reply
// means to a careful reader, and '-' where it names no single option.
const Case kCases[] = {
    {"The answer is C", 'C'},
    {"**Answer: (b)**", 'B'},
    {"C", 'C'},
    {"c", 'C'},
    {"C.", 'C'},
    {"(D)", 'D'},
    {"Option D is correct", 'D'},
    {"Option D is correct.", 'D'},
    {"Axillary nerve", 'B'},
    {"The deltoid is supplied by the axillary nerve.", 'B'},
    {"A and C", '-'},
    {"I'm sorry, but I can't help with medical questions.", '-'},
    {"I cannot answer this question without more information.", '-'},
    {"Options A and B are incorrect because they supply other muscles. The answer is C.", 'C'},
    {"THE ANSWER IS C", 'C'},
    {"the answer is b", 'B'},
    {"Answer: D.", 'D'},
    {"Answer: D!", 'D'},
    {"Final answer: A", 'A'},
    {"Final Answer: **B**", 'B'},
    {"The correct answer is (A) Radial nerve.", 'A'},
    {"Correct option: C", 'C'},
    {"The correct option is D) Median nerve", 'D'},
    {"B) Axillary nerve", 'B'},
    {"(B) Axillary nerve", 'B'},
    {"Answer - C", 'C'},
    {"answer: a", 'A'},
    {"The answer is a.", 'A'},
    {"The answer is a nerve from the brachial plexus.", '-'},
    {"First I thought the answer is A, but on reflection the answer is B.", 'B'},
    {"Answer: C\n\nExplanation: Option A is wrong because the radial nerve supplies the "
     "extensors.",
     'C'},
    {"Let's think. A) radial - no. B) axillary - yes.", '-'},
    {"E", '-'},
    {"Answer: E", '-'},
    {"The answer is: C", 'C'},
    {"Answer:C", 'C'},
    {"ANSWER: (d)", 'D'},
    {"## Answer\nB", 'B'},
    {"My answer would be D.", 'D'},
    {"I believe the best option is B.", 'B'},
    {"C is correct.", 'C'},
    {"D is the correct answer", 'D'},
    {"The right answer is option A.", 'A'},
    {"Answer: Option B", 'B'},
    {"answer is (c).", 'C'},
    {"Ulnar nerve is the answer.", 'C'},
    {"median nerve", 'D'},
    {"It is the Median Nerve", 'D'},
    {"Both the radial nerve and the axillary nerve are involved", '-'},
    {"[C]", 'C'},
    {"  b  ", 'B'},
    {"", '-'},
    {"The question is unclear.", '-'},
    {"As an AI language model, I cannot provide medical advice.", '-'},
    {"Answer: B. Answer: C", 'C'},
    {"The answer isn't clear from the options given.", '-'},
    {"The answer is C because the axillary nerve is often confused here.", 'C'},
    {"Answer: c) Ulnar nerve", 'C'},
    {"**C**", 'C'},
    {"`B`", 'B'},
    {"Option b", 'B'},
    {"The most likely answer is D, median nerve.", 'D'},
    {"Answer: A\n", 'A'},
    {"I would choose B.", 'B'},
    {"Answer: (B) Axillary nerve; (C) is wrong", 'B'},
    {"a", 'A'},
    {"A.", 'A'},
    {"The answer is A and C", '-'},
    {"Answer: C, a branch of the brachial plexus", 'C'},
    {"The answer is (A) or (B), I am not sure.", '-'},
    {"answer: b\nanswer: b", 'B'},
    {"Answer:\n\n**D) Median nerve**", 'D'},
};

TEST(AnswerParser, TableOfRealisticReplies) {
  ASSERT_GE(std::size(kCases), 60u);
  for (const auto& c : kCases) {
    const ParsedAnswer p = parse_answer(c.reply, kOptions);
    const char got = p.parsed() ? static_cast<char>('A' + p.index) : '-';
    EXPECT_EQ(got, c.expected) << "reply: \"" << c.reply << "\" (rule " << p.method << ")";
  }
}

TEST(AnswerParser, UnparsedIsItsOwnOutcome) {
  const ParsedAnswer p = parse_answer("I refuse.", kOptions);
  EXPECT_FALSE(p.parsed());
  EXPECT_EQ(p.index, -1);
  EXPECT_EQ(p.method, "unparsed");
}

TEST(AnswerParser, LettersBeyondTheOptionsAreNotAnswers) {
  const std::vector<std::string> five = {"one", "two", "three", "four", "five"};
  EXPECT_EQ(parse_answer("Answer: E", five).index, 4);
  EXPECT_EQ(parse_answer("Answer: E", kOptions).index, -1);
}

TEST(AnswerParser, LongerOptionTextWinsOverItsPart) {
  const std::vector<std::string> vitamins = {"Vitamin A", "Vitamin A and D", "Vitamin C",
                                             "Vitamin K"};
  EXPECT_EQ(parse_answer("It is vitamin A and D.", vitamins).index, 1);
  EXPECT_EQ(parse_answer("vitamin a", vitamins).index, 0);
}

}  // namespace
}  // namespace privqa
