#include "privqa/sim/reconstruction.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "privqa/data/dataset.h"
#include "privqa/sim/question_index.h"
#include "privqa/text/normalize.h"
#include "privqa/text/tokenizer.h"
#include "sim/sim_questions.h"
#include "testing.h"

namespace privqa::sim {
namespace {

std::vector<std::string> folded_words(const std::string& text) {
  std::vector<std::string> out;
  for (const Token& t : tokenize(text)) {
    if (t.kind == TokenKind::kWord || t.kind == TokenKind::kNumber)
      out.push_back(fold_case(t.text));
  }
  return out;
}

TEST(SimReconstruction, SurvivorsStayOthersAreRecalledWithTheConfidence) {
  Question q;
  q.text = "Which nerve supplies the deltoid?";
  Draw draw;
  draw.with("test");
  // c = 0: only survivors come back; the rest is the sanitized word in place.
  EXPECT_EQ(reconstruct_question("which vessel supplies a deltoid", &q, 0.0, draw),
            "Which vessel supplies a deltoid?");
  // A shorter sanitized text: the words past its end are left out.
  EXPECT_EQ(reconstruct_question("Which vessel", &q, 0.0, draw), "Which vessel   ?");
  // c = 1: every word is recalled.
  EXPECT_EQ(reconstruct_question("which vessel supplies a deltoid", &q, 1.0, draw),
            "Which nerve supplies the deltoid?");
  EXPECT_EQ(reconstruct_question("no idea", nullptr, 1.0, draw), "no idea");
}

TEST(SimReconstruction, RepliesFollowThePromptsOfA1AndA2) {
  const auto questions = testing::sim_test_questions();
  Profile profile;
  profile.skill = 1.0;
  profile.unparsed_rate = 0.0;
  Draw draw;
  draw.with("reply");
  const PromptAnalysis a1 =
      analyze_prompt({{"user",
                       "Reconstruct the original question. Reply in the form \"Question: ...\".\n\n"
                       "Sanitized question: Koplik spots on the buccal mucosa are an answer of "
                       "which infection?"}});
  ASSERT_EQ(a1.kind, RequestKind::kReconstruct);
  EXPECT_EQ(a1.reconstruction_source,
            "Koplik spots on the buccal mucosa are an answer of which infection?");
  EXPECT_FALSE(a1.wants_answer) << "\"answer\" in the sanitized text is no instruction";
  const std::string reply1 = reconstruction_reply(profile, a1, &questions[3], 1.0, draw);
  EXPECT_EQ(reply1, "Question: " + questions[3].text);

  PromptAnalysis a2 = a1;
  a2.wants_answer = true;
  EXPECT_EQ(reconstruction_reply(profile, a2, &questions[3], 1.0, draw),
            "Question: " + questions[3].text + "\nAnswer: Measles")
      << "no options listed: the gold option's text (skill 1, confidence 1)";
  a2.options = {"Mumps", "Measles"};
  EXPECT_EQ(reconstruction_reply(profile, a2, &questions[3], 1.0, draw),
            "Question: " + questions[3].text + "\nAnswer: B");
  EXPECT_EQ(reconstruction_reply(profile, a2, nullptr, 0.0, draw).substr(0, 10), "Question: ");
}

// The attacker recovers more of the original words the more of them survive
// the mechanism, so its success rises with eps. On 200 MedMCQA dev questions,
// each word replaced by a word of no question (kept with probability s), the
// share of the original's words recovered in place is compared at s = 0.2,
// 0.5, 0.8. Per question the difference between two levels lies in [-1, 1]
// and the questions draw independently, so (Hoeffding) the mean difference
// is <= 0 with probability at most exp(-200 mu^2 / 2) when its expectation is
// mu: below 1e-3 for mu >= 0.27. The model's expected gaps are larger: the
// extra survivors alone add 0.3 once the question is recognised, and its
// recall c rises with them.
TEST(SimReconstruction, RecoveryRisesWithTheShareOfSurvivingWords) {
  PRIVQA_REQUIRE_SHARED_DATA(path, "medmcqa/dev.json");
  auto dataset = load_dataset(path);
  ASSERT_TRUE(dataset.ok()) << dataset.error().message();
  const auto& questions = dataset->questions;
  const QuestionIndex index(questions);
  std::vector<double> means;
  for (double s : {0.2, 0.5, 0.8}) {
    double sum = 0;
    int n = 0;
    for (size_t i = 0; i < questions.size() && n < 200; i += 20, ++n) {
      Draw draw;
      draw.with("sanitize").with(i).with(static_cast<uint64_t>(s * 10));
      std::string sanitized;
      for (const Token& t : tokenize(questions[i].text)) {
        const bool word = t.kind == TokenKind::kWord || t.kind == TokenKind::kNumber;
        sanitized += word && !draw.chance(s) ? "qzx" + std::to_string(draw.below(1000)) : t.text;
      }
      const Recognition match = index.recognize(sanitized);
      const Question* recognized =
          match.question >= 0 ? &questions[static_cast<size_t>(match.question)] : nullptr;
      const auto original = folded_words(questions[i].text);
      const auto guess =
          folded_words(reconstruct_question(sanitized, recognized, match.confidence, draw));
      size_t right = 0;
      for (size_t k = 0; k < original.size() && k < guess.size(); ++k)
        right += original[k] == guess[k];
      sum += original.empty() ? 1.0
                              : static_cast<double>(right) / static_cast<double>(original.size());
    }
    means.push_back(sum / n);
  }
  EXPECT_GT(means[1], means[0]) << means[0] << " " << means[1];
  EXPECT_GT(means[2], means[1]) << means[1] << " " << means[2];
}

}  // namespace
}  // namespace privqa::sim
