#include "privqa/text/vocabulary.h"

#include <gtest/gtest.h>

namespace privqa {
namespace {

TEST(Vocabulary, CountsFoldedWordTokens) {
  Vocabulary v;
  v.add_text("The heart, the HEART and the kidney: 3 mg.");
  // Words: the x3, heart x2, and, kidney, mg; the number 3 is not a word.
  EXPECT_EQ(v.count("the"), 3u);
  EXPECT_EQ(v.count("heart"), 2u);
  EXPECT_EQ(v.count("and"), 1u);
  EXPECT_EQ(v.count("kidney"), 1u);
  EXPECT_EQ(v.count("mg"), 1u);
  EXPECT_EQ(v.count("3"), 0u);
  EXPECT_EQ(v.count("The"), 0u);  // keys are folded
  EXPECT_EQ(v.size(), 5u);
  EXPECT_EQ(v.total(), 8u);
  EXPECT_EQ(v.words(), (std::vector<std::string>{"the", "heart", "and", "kidney", "mg"}));
  EXPECT_EQ(v.by_frequency(), (std::vector<std::string>{"the", "heart", "and", "kidney", "mg"}));
}

TEST(Vocabulary, AddWithCountsAndTieOrder) {
  Vocabulary v;
  v.add("zeta", 2);
  v.add("beta", 5);
  v.add("alpha", 2);
  v.add("zeta");
  EXPECT_EQ(v.count("zeta"), 3u);
  EXPECT_EQ(v.total(), 10u);
  EXPECT_EQ(v.words(), (std::vector<std::string>{"zeta", "beta", "alpha"}));
  v.add("alpha");  // now alpha 3 ties with zeta 3: byte order breaks the tie
  EXPECT_EQ(v.by_frequency(), (std::vector<std::string>{"beta", "alpha", "zeta"}));
}

TEST(Vocabulary, Empty) {
  Vocabulary v;
  EXPECT_EQ(v.size(), 0u);
  EXPECT_EQ(v.total(), 0u);
  EXPECT_EQ(v.count("x"), 0u);
  EXPECT_TRUE(v.by_frequency().empty());
}

}  // namespace
}  // namespace privqa
