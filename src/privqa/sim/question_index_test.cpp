#include "privqa/sim/question_index.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "privqa/data/dataset.h"
#include "privqa/sim/draw.h"
#include "sim/sim_questions.h"
#include "testing.h"

namespace privqa::sim {
namespace {

// Keeps each content word with probability `keep`, drops the rest.
std::string perturb(const std::string& text, double keep, uint64_t key) {
  Draw draw;
  draw.with(key);
  std::string out;
  for (const std::string& term : content_terms(text)) {
    if (draw.chance(keep)) out += term + " ";
  }
  return out;
}

// MedMCQA holds near-duplicates that differ only in punctuation or stopwords;
// retrieval cannot and need not tell those apart.
bool same_terms(const std::string& a, const std::string& b) {
  auto ta = content_terms(a), tb = content_terms(b);
  std::sort(ta.begin(), ta.end());
  std::sort(tb.begin(), tb.end());
  return ta == tb;
}

TEST(QuestionIndex, RecognisesEachQuestionFromItsOwnTextWithFullConfidence) {
  const auto questions = testing::sim_test_questions();
  const QuestionIndex index(questions);
  for (size_t i = 0; i < questions.size(); ++i) {
    const Recognition r = index.recognize("Please think step by step: " + questions[i].text);
    EXPECT_EQ(r.question, static_cast<int>(i));
    EXPECT_NEAR(r.confidence, 1.0, 1e-12);
  }
}

TEST(QuestionIndex, ConfidenceFallsAsWordsAreRemovedAndIsZeroForUnrelatedText) {
  const auto questions = testing::sim_test_questions();
  const QuestionIndex index(questions);
  const Recognition half = index.recognize("Koplik spots buccal");
  EXPECT_EQ(half.question, 3);
  EXPECT_GT(half.confidence, 0.2);
  EXPECT_LT(half.confidence, 0.9);
  const Recognition none = index.recognize("the weather in spring");
  EXPECT_EQ(none.question, -1);
  EXPECT_EQ(none.confidence, 0);
}

// On the real MedMCQA dev set: the original text is recognised (top-1 is the
// question or a near-duplicate with the same terms) with confidence 1; after dropping 70% of
// its content words the confidence is lower for every question and low on average.
TEST(QuestionIndex, RealDatasetOriginalRecognisedPerturbedLessSo) {
  PRIVQA_REQUIRE_SHARED_DATA(path, "medmcqa/dev.json");
  auto dataset = load_dataset(path);
  ASSERT_TRUE(dataset.ok()) << dataset.error().message();
  const auto& questions = dataset->questions;
  const QuestionIndex index(questions);
  double perturbed_sum = 0;
  int checked = 0;
  int top1 = 0;
  for (size_t i = 0; i < questions.size(); i += 21) {
    if (content_terms(questions[i].text).size() < 6) continue;  // too short to perturb
    ++checked;
    const Recognition original = index.recognize(questions[i].text);
    ASSERT_GE(original.question, 0);
    top1 += same_terms(questions[static_cast<size_t>(original.question)].text, questions[i].text);
    EXPECT_NEAR(original.confidence, 1.0, 1e-9);
    const Recognition perturbed = index.recognize(perturb(questions[i].text, 0.3, i));
    EXPECT_LT(perturbed.confidence, original.confidence) << questions[i].text;
    perturbed_sum += perturbed.confidence;
  }
  ASSERT_GT(checked, 100);
  EXPECT_EQ(top1, checked);
  EXPECT_LT(perturbed_sum / checked, 0.6);
}

}  // namespace
}  // namespace privqa::sim
