// BM25 scores worked out by hand from the formula (Robertson & Zaragoza 2009).
#include "privqa/text/bm25.h"

#include <gtest/gtest.h>

#include <cmath>

namespace privqa {
namespace {

// Documents (content terms): {heart, blood}, {heart}, {liver}; N = 3, mean
// length 4/3, k1 = 1.2, b = 0.75. For "heart": df = 2, idf = ln(1 + 1.5/2.5)
// = ln 1.6. Document 0: K = 1.2 (0.25 + 0.75 * 2 / (4/3)) = 1.65, weight =
// idf * 2.2 / 2.65. Document 1: K = 1.2 (0.25 + 0.75 * 0.75) = 0.975, weight =
// idf * 2.2 / 1.975 (shorter documents score higher).
TEST(Bm25Index, ScoresMatchTheFormulaWorkedByHand) {
  const Bm25Index index({"The heart and the blood", "A heart", "Liver!"});
  ASSERT_EQ(index.size(), 3u);
  const auto scores = index.scores("HEART heart of");
  ASSERT_EQ(scores.size(), 3u);
  const double idf = std::log(1.6);
  EXPECT_NEAR(scores[0], idf * 2.2 / 2.65, 1e-12);  // repeated query terms count once
  EXPECT_NEAR(scores[1], idf * 2.2 / 1.975, 1e-12);
  EXPECT_EQ(scores[2], 0.0);
  // Self-score of document 2: "liver", df = 1, idf = ln(1 + 2.5/1.5) = ln(8/3).
  EXPECT_NEAR(index.self_score(2), std::log(8.0 / 3.0) * 2.2 / 1.975, 1e-12);
  EXPECT_NEAR(index.scores("liver")[2], index.self_score(2), 1e-12);
}

TEST(Bm25Index, ContentTermsAreFoldedWordsAndNumbersWithoutStopwords) {
  EXPECT_EQ(content_terms("The Heart, at 37.5 degrees?"),
            (std::vector<std::string>{"heart", "37.5", "degrees"}));
  const Bm25Index empty({});
  EXPECT_TRUE(empty.scores("heart").empty());
}

}  // namespace
}  // namespace privqa
