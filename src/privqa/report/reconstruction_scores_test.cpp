// The reconstruction attacks' scores on a hand-made corpus, every value
// worked out by hand.
#include "privqa/report/reconstruction_scores.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "privqa/embed/embedding_table.h"
#include "privqa/embed/sif_encoder.h"

namespace privqa::report {
namespace {

Question yes_no_question(const std::string& id, const std::string& text, int answer = -1) {
  Question q;
  q.id = id;
  q.text = text;
  q.options = {"yes", "no"};
  q.answer = answer;
  return q;
}

std::vector<Question> scored_corpus() {
  return {
      yes_no_question("q1", "The heart pumps blood quickly", 0),
      yes_no_question("q2", "Which vitamin deficiency causes scurvy?", 1),
      yes_no_question("q3", "Insulin is secreted by the pancreas"),
      yes_no_question("q4", "Which vitamin deficiency causes scurvy?")};  // duplicate text of q2
}

TEST(RougeL, LongestCommonSubsequenceFMeasure) {
  // LCS heart, blood, quickly = 3; P = 3/4, R = 3/5, F = 2 * 0.75 * 0.6 / 1.35 = 2/3.
  EXPECT_NEAR(rouge_l("The heart pumps blood quickly", "heart BLOOD flows quickly"), 2.0 / 3.0,
              1e-12);
  // Reversed order keeps one word in order: P = R = 1/5.
  EXPECT_NEAR(rouge_l("the heart pumps blood quickly", "quickly blood pumps heart the"), 0.2,
              1e-12);
  EXPECT_EQ(rouge_l("the heart", "The heart!"), 1.0);
  EXPECT_EQ(rouge_l("the heart", "insulin"), 0.0);
  EXPECT_EQ(rouge_l("the heart", ""), 0.0);
  // a b c d vs a x c y d: LCS a c d = 3, P = 3/5, R = 3/4, F = 2 * 0.45 / 1.35 = 2/3.
  EXPECT_NEAR(rouge_l("a b c d", "a x c y d"), 2.0 / 3.0, 1e-12);
}

TEST(ReconstructionScorer, RanksRareWordsAndRouge) {
  const auto questions = scored_corpus();
  const PrivacyMeter meter(questions, nullptr);
  const ReconstructionScorer scorer(meter, questions, nullptr);
  const ReconstructionScore exact = scorer.score(0, questions[0].text);
  EXPECT_EQ(exact.bm25_rank, 1u);
  EXPECT_EQ(exact.rare_words, 4u);  // heart, pumps, blood, quickly ("the" is a stopword)
  EXPECT_EQ(exact.rare_words_recalled, 4u);
  EXPECT_EQ(exact.rouge_l, 1.0);
  EXPECT_FALSE(exact.embedding_rank.has_value()) << "no encoder";
  // Matches q3 on two terms and q1 on one: q1 comes second.
  const ReconstructionScore other = scorer.score(0, "insulin pancreas heart");
  EXPECT_EQ(other.bm25_rank, 2u);
  EXPECT_EQ(other.rare_words_recalled, 1u);
  EXPECT_FALSE(scorer.score(0, "nothing shared").bm25_rank.has_value());
  // q4's duplicate q2 does not count against it.
  EXPECT_EQ(scorer.score(3, "vitamin scurvy").bm25_rank, 1u);
}

TEST(ReconstructionScorer, EmbeddingRankByCosine) {
  auto table = EmbeddingTable::from_rows({"heart", "blood", "insulin", "pancreas"},
                                         {1, 0, 0, 0.9f, 0.1f, 0, 0, 0, 1, 0, 0.1f, 0.9f}, 3);
  ASSERT_TRUE(table.ok());
  auto sif = SifEncoder::build(*table, {});
  ASSERT_TRUE(sif.ok());
  const auto questions = scored_corpus();
  const PrivacyMeter meter(questions, nullptr);
  const ReconstructionScorer scorer(meter, questions, &*sif);
  EXPECT_EQ(scorer.score(0, questions[0].text).embedding_rank, 1u);
  // Closer to q3 (insulin, pancreas: mostly z) than to q1 (x and y); q2 and
  // q4 have no known word, so no vector, and are not ranked.
  EXPECT_EQ(scorer.score(0, "insulin").embedding_rank, 2u);
  EXPECT_FALSE(scorer.score(0, "zzz").embedding_rank.has_value()) << "no known word";
  EXPECT_FALSE(scorer.score(1, "vitamin").embedding_rank.has_value())
      << "the original has no known word";
}

CellResult attack_cell(const std::string& id, Scenario s, const std::string& mechanism, double eps,
                       const std::string& reconstruction, int gold = -1, int parsed = -1) {
  CellResult c;
  c.key = {id, s, mechanism, eps, 0};
  c.details = nlohmann::json{{"reconstruction", reconstruction}}.dump();
  c.gold = gold;
  c.parsed = parsed;
  return c;
}

TEST(ReconstructionStats, RatesPerScenarioMechanismAndEps) {
  const auto questions = scored_corpus();
  const PrivacyMeter meter(questions, nullptr);
  const ReconstructionScorer scorer(meter, questions, nullptr);
  CellResult failed = attack_cell("q1", Scenario::kReconstruct, "m", 1, "whatever");
  failed.status = CellStatus::kError;
  const std::vector<CellResult> cells = {
      attack_cell("q1", Scenario::kReconstruct, "m", 1, "The heart pumps blood quickly"),
      attack_cell("q3", Scenario::kReconstruct, "m", 1, "heart"),  // rank: no q3 term
      attack_cell("q1", Scenario::kReconstruct, "m", 1, "insulin pancreas heart"),
      failed,
      attack_cell("q9", Scenario::kReconstruct, "m", 1, "unknown question"),
      attack_cell("q1", Scenario::kReconstructAnswer, "m", 1, "heart", 0, 0),
      attack_cell("q2", Scenario::kReconstructAnswer, "m", 1, "scurvy", 1, 0),
      attack_cell("q1", Scenario::kReconstruct, "first", 2, "heart"),
  };
  const auto stats = reconstruction_stats(cells, meter, scorer, {"first", "m"});
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats[0].scenario, Scenario::kReconstruct);
  EXPECT_EQ(stats[0].mechanism, "first") << "the run's mechanism order";
  const ReconstructionStat& a1 = stats[1];
  EXPECT_EQ(a1.mechanism, "m");
  EXPECT_EQ(a1.texts, 3u) << "failed and unknown questions left out";
  EXPECT_EQ(a1.bm25_top1.successes, 1u);
  EXPECT_EQ(a1.bm25_top1.trials, 3u);
  EXPECT_EQ(a1.bm25_top5.successes, 2u) << "rank 2 is in the top 5; no rank is not";
  EXPECT_EQ(a1.embedding_top1.trials, 0u) << "no encoder";
  // Rare words: q1 4 + 4 recalled 4 + 1; q3: insulin, secreted, pancreas, none recalled.
  EXPECT_EQ(a1.rare_recall.trials, 11u);
  EXPECT_EQ(a1.rare_recall.successes, 5u);
  // ROUGE-L: 1; "heart" vs q3 0; "insulin pancreas heart" vs q1: LCS 1, P 1/3,
  // R 1/5, F = 2/15 / (8/15) = 1/4.
  EXPECT_NEAR(a1.rouge_l, (1.0 + 0.0 + 0.25) / 3, 1e-12);
  const Interval ci = wilson_interval(1, 3);
  EXPECT_EQ(a1.bm25_top1.ci.low, ci.low);
  EXPECT_EQ(a1.bm25_top1.ci.high, ci.high);
  EXPECT_EQ(a1.answer_accuracy.trials, 0u);
  const ReconstructionStat& a2 = stats[2];
  EXPECT_EQ(a2.scenario, Scenario::kReconstructAnswer);
  EXPECT_EQ(a2.answer_accuracy.trials, 2u);
  EXPECT_EQ(a2.answer_accuracy.successes, 1u);
}

}  // namespace
}  // namespace privqa::report
