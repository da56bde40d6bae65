// Privacy metrics on a hand-made corpus where every value can be worked out
// by hand.
#include "privqa/report/privacy_metrics.h"

#include <gtest/gtest.h>

#include "privqa/embed/embedding_table.h"
#include "privqa/embed/sif_encoder.h"

namespace privqa::report {
namespace {

Question question(const std::string& id, const std::string& text) {
  Question q;
  q.id = id;
  q.text = text;
  return q;
}

std::vector<Question> corpus() {
  return {question("q1", "The heart pumps blood quickly"),
          question("q2", "Which vitamin deficiency causes scurvy?"),
          question("q3", "Insulin is secreted by the pancreas"),
          question("q4", "Which vitamin deficiency causes scurvy?")};  // duplicate text of q2
}

TEST(PrivacyMeter, OriginalTextIsUnchangedAndReidentified) {
  const auto questions = corpus();
  const PrivacyMeter meter(questions, nullptr);
  for (size_t i = 0; i < questions.size(); ++i) {
    const TextPrivacy m = meter.measure(i, questions[i].text);
    EXPECT_EQ(m.words_changed, 0.0) << i;
    EXPECT_TRUE(m.reidentified) << i;  // q4 ties only with its own duplicate q2
    EXPECT_EQ(m.rare_words_kept, m.rare_words) << i;
    EXPECT_FALSE(m.cosine.has_value());  // no encoder
  }
}

TEST(PrivacyMeter, WordsChangedIsOneMinusTheLongestCommonSubsequenceShare) {
  const auto questions = corpus();
  const PrivacyMeter meter(questions, nullptr);
  // Original words: the heart pumps blood quickly (5). Kept in order: the,
  // heart, blood (3) -> 2/5 changed; case does not matter.
  EXPECT_DOUBLE_EQ(meter.measure(0, "THE Heart moves blood").words_changed, 0.4);
  // Reordering counts: "quickly blood pumps heart the" keeps one word in order.
  EXPECT_DOUBLE_EQ(meter.measure(0, "quickly blood pumps heart the").words_changed, 0.8);
  EXPECT_DOUBLE_EQ(meter.measure(0, "").words_changed, 1.0);
}

TEST(PrivacyMeter, RareWordsAndReidentification) {
  const auto questions = corpus();
  const PrivacyMeter meter(questions, nullptr);
  // With 4 questions a rare word occurs in at most 1 question. q1's content
  // words heart, pumps, blood, quickly each occur only in q1 ("the" is a stopword).
  const TextPrivacy kept_two = meter.measure(0, "a heart moves plasma quickly");
  EXPECT_EQ(kept_two.rare_words, 4u);
  EXPECT_EQ(kept_two.rare_words_kept, 2u);
  EXPECT_TRUE(kept_two.reidentified);
  // q2's words all occur in q4 too: none is rare.
  EXPECT_EQ(meter.measure(1, "whatever").rare_words, 0u);
  // A text sharing no term with its original cannot re-identify it, and one
  // that matches another question better re-identifies that one instead.
  EXPECT_FALSE(meter.measure(0, "nothing shared here").reidentified);
  EXPECT_FALSE(meter.measure(0, "insulin pancreas heart").reidentified);
}

TEST(PrivacyMeter, CosineOfTheSifEmbeddings) {
  auto table = EmbeddingTable::from_rows({"heart", "blood", "insulin", "pancreas"},
                                         {1, 0, 0, 0.9f, 0.1f, 0, 0, 0, 1, 0, 0.1f, 0.9f}, 3);
  ASSERT_TRUE(table.ok());
  auto sif = SifEncoder::build(*table, {});
  ASSERT_TRUE(sif.ok());
  const auto questions = corpus();
  const PrivacyMeter meter(questions, &*sif);
  const TextPrivacy same = meter.measure(0, questions[0].text);
  ASSERT_TRUE(same.cosine.has_value());
  EXPECT_NEAR(*same.cosine, 1.0, 1e-6);
  // Orthogonal vectors: heart/blood span x and y, insulin/pancreas mostly z.
  const TextPrivacy other = meter.measure(0, "insulin");
  ASSERT_TRUE(other.cosine.has_value());
  EXPECT_NEAR(*other.cosine, 0.0, 1e-6);
  // No known word in the sanitized text: undefined, not zero.
  EXPECT_FALSE(meter.measure(0, "zzz").cosine.has_value());
}

}  // namespace
}  // namespace privqa::report
