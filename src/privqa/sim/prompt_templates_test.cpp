// The experiment engine's default prompts (src/privqa/exp/prompts.cpp), written
// out here, are recognised as the request kinds docs/sim.md promises.
#include <gtest/gtest.h>

#include "privqa/sim/prompt.h"

namespace privqa::sim {
namespace {

const char* kOptions = "A) Measles\nB) Mumps\nC) Rubella\nD) Varicella";

TEST(PromptTemplates, AnswerWithCotTemplateSeparatesReasoningQuestionAndOptions) {
  const std::string prompt =
      std::string(
          "Answer the multiple-choice question below. An expert's notes on it come first; use them "
          "where they help.\n\nReasoning:\nLet's think step by step.\nThis points to Mumps.\n\n"
          "Question: Koplik spots are seen in which infection?\n\nOptions:\n") +
      kOptions + "\n\nReply with the letter of the correct option only, in the form \"Answer: X\".";
  const auto a =
      analyze_prompt({{"system", "You are a careful medical expert."}, {"user", prompt}});
  EXPECT_EQ(a.kind, RequestKind::kAnswer);
  EXPECT_EQ(a.options.size(), 4u);
  EXPECT_EQ(named_option(a.supplied_reasoning, a.options), 1);
  EXPECT_NE(a.question_text.find("Koplik"), std::string::npos);
  EXPECT_EQ(a.question_text.find("Mumps"), std::string::npos);
}

TEST(PromptTemplates, CotTemplatesWithOrWithoutOptionsAreCotRequests) {
  const auto plain = analyze_prompt(
      {{"user",
        "Think through the medical question below step by step: recall the relevant facts and "
        "explain what the answer is likely to be. Do not ask for more information.\n\n"
        "Question: Koplik spots are seen in which infection?"}});
  EXPECT_EQ(plain.kind, RequestKind::kCot);
  const auto with_options = analyze_prompt(
      {{"user", std::string("Think through the medical question below step by step.\n\n"
                            "Question: Koplik spots are seen in which infection?\n\nOptions:\n") +
                    kOptions}});
  EXPECT_EQ(with_options.kind, RequestKind::kCot);
}

TEST(PromptTemplates, ParaphraseBandTemplateTakesTheQuestionAndOneVariantPerChoice) {
  const auto a = analyze_prompt(
      {{"user",
        "Paraphrase the question below so that its meaning overlaps with the original only in "
        "part: aim for a semantic similarity between 0.3 and 0.4 on a scale from 0 (unrelated) "
        "to 1 (the same). Lower similarity means more general, with fewer specifics. Reply with "
        "the paraphrase only.\n\nQuestion: A 45-year-old man has chest pain."}});
  EXPECT_EQ(a.kind, RequestKind::kParaphrase);
  EXPECT_EQ(a.paraphrase_source, "A 45-year-old man has chest pain.");
  EXPECT_EQ(a.paraphrases_per_reply, 1);
}

}  // namespace
}  // namespace privqa::sim
