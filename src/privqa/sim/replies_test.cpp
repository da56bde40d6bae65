#include "privqa/sim/replies.h"

#include <gtest/gtest.h>

#include <array>

#include "privqa/sim/prompt.h"

namespace privqa::sim {
namespace {

Question scurvy() {
  Question q;
  q.id = "q1";
  q.text = "Which vitamin deficiency causes scurvy?";
  q.options = {"Vitamin A", "Vitamin C", "Vitamin D", "Vitamin K"};
  q.answer = 1;
  return q;
}

PromptAnalysis answer_prompt(const std::string& reasoning = "") {
  PromptAnalysis p;
  p.kind = RequestKind::kAnswer;
  p.question_text = "Which vitamin deficiency causes scurvy?";
  // Reordered relative to the dataset: the gold text "Vitamin C" is option D here.
  p.options = {"Vitamin A", "Vitamin K", "Vitamin D", "Vitamin C"};
  p.supplied_reasoning = reasoning;
  return p;
}

Profile profile(double skill, double follow) {
  Profile p;
  p.name = "test";
  p.skill = skill;
  p.follow_rate = follow;
  p.unparsed_rate = 0;
  p.cot_helpfulness = 0.6;
  p.cot_misleading = 0.5;
  return p;
}

// Pearson chi-square of observed counts against exact probabilities.
double chi_square(const std::vector<int>& observed, const std::vector<double>& p, int n) {
  double chi = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double e = n * p[i];
    chi += (observed[i] - e) * (observed[i] - e) / e;
  }
  return chi;
}

TEST(Replies, GoldOptionIsFoundByTextNotPosition) {
  const Question q = scurvy();
  EXPECT_EQ(gold_option(answer_prompt(), &q), 3);
  EXPECT_EQ(gold_option(answer_prompt(), nullptr), -1);
  PromptAnalysis other = answer_prompt();
  other.options = {"Iron", "Zinc"};
  EXPECT_EQ(gold_option(other, &q), -1);
}

// Without reasoning: gold with probability s*c + (1 - s*c)/4, each other option
// (1 - s*c)/4. Chi-square, 3 degrees of freedom, critical value 21.11
// (false-failure rate 1e-4); fixed keys make the test reproducible.
TEST(Replies, AnswerAccuracyIsSkillTimesConfidencePlusGuessing) {
  const Question q = scurvy();
  const double s = 0.6, c = 0.8;
  constexpr int kN = 6000;
  std::vector<int> counts(4);
  for (int i = 0; i < kN; ++i) {
    Draw draw;
    draw.with("answer").with(static_cast<uint64_t>(i));
    const int choice = choose_answer(profile(s, 0.9), answer_prompt(), &q, c, draw);
    ASSERT_GE(choice, 0);
    counts[static_cast<size_t>(choice)]++;
  }
  const double guess = (1 - s * c) / 4;
  EXPECT_LT(chi_square(counts, {guess, guess, guess, s * c + guess}, kN), 21.11);
}

// Reasoning naming option B ("Vitamin K"): B with f + (1-f)*g, gold D with
// (1-f)*(s*c + g), the others (1-f)*g where g = (1 - s*c)/4. Chi-square, 3 df,
// critical 21.11 (false-failure 1e-4).
TEST(Replies, ReasoningNamingAnOptionIsFollowedAtTheFollowRate) {
  const Question q = scurvy();
  const double s = 0.5, c = 1.0, f = 0.7;
  constexpr int kN = 6000;
  std::vector<int> counts(4);
  const auto prompt = answer_prompt("Low levels of vitamin K explain the bleeding.");
  for (int i = 0; i < kN; ++i) {
    Draw draw;
    draw.with("follow").with(static_cast<uint64_t>(i));
    counts[static_cast<size_t>(choose_answer(profile(s, f), prompt, &q, c, draw))]++;
  }
  const double g = (1 - s * c) / 4;
  EXPECT_LT(
      chi_square(counts, {(1 - f) * g, f + (1 - f) * g, (1 - f) * g, (1 - f) * (s * c + g)}, kN),
      21.11);
}

// CoT outcomes: gold text with h*c, a wrong option with (1 - h*c)*m*c spread
// evenly over the 3 wrong options, generic otherwise. Chi-square over 5
// categories, 4 df, critical 23.51 (false-failure 1e-4).
TEST(Replies, ChainOfThoughtNamesGoldWithHelpfulnessTimesConfidence) {
  const Question q = scurvy();
  const double h = 0.6, m = 0.5;
  for (double c : {1.0, 0.3}) {
    constexpr int kN = 5000;
    std::vector<int> counts(5);  // options 0..3, then generic
    PromptAnalysis prompt;
    prompt.question_text = q.text;
    for (int i = 0; i < kN; ++i) {
      Draw draw;
      draw.with("cot").with(static_cast<uint64_t>(i));
      const std::string cot = write_chain_of_thought(profile(0.5, 0.5), prompt, &q, c, draw);
      const int named = named_option(cot, q.options);
      counts[named < 0 ? 4 : static_cast<size_t>(named)]++;
    }
    const double gold = h * c;
    const double wrong = (1 - h * c) * m * c / 3;
    EXPECT_LT(chi_square(counts, {wrong, gold, wrong, wrong, 1 - gold - 3 * wrong}, kN), 23.51)
        << "confidence " << c;
  }
}

TEST(Replies, UnrecognisedQuestionGetsAGenericChainOfThought) {
  PromptAnalysis prompt;
  prompt.question_text = "Something unrelated entirely";
  for (int i = 0; i < 50; ++i) {
    Draw draw;
    draw.with(static_cast<uint64_t>(i));
    const std::string cot = write_chain_of_thought(profile(1, 1), prompt, nullptr, 0, draw);
    EXPECT_EQ(named_option(cot, scurvy().options), -1) << cot;
  }
}

TEST(Replies, WordedAnswersStateTheChosenLetterOrText) {
  const auto prompt = answer_prompt();
  for (int i = 0; i < 200; ++i) {
    Draw draw;
    draw.with(static_cast<uint64_t>(i));
    const std::string reply = word_answer(prompt, 2, draw);
    const bool letter = reply.find('C') != std::string::npos;
    const bool text = reply.find("Vitamin D") != std::string::npos;
    EXPECT_TRUE(letter || text) << reply;
    EXPECT_EQ(reply.find("Vitamin A"), std::string::npos) << reply;
  }
  PromptAnalysis reasoning = prompt;
  reasoning.wants_reasoning = true;
  Draw draw;
  const std::string reply = word_answer(reasoning, 0, draw);
  EXPECT_NE(reply.find("\n\nAnswer: A"), std::string::npos) << reply;
}

}  // namespace
}  // namespace privqa::sim
