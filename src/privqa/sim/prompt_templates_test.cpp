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

TEST(PromptTemplates, ReconstructionTemplatesFindTheSanitizedTextAndWhetherToAnswer) {
  const std::string a1 =
      "The question below was sanitized by a text privacy mechanism: some words were replaced "
      "by other words, or the question was paraphrased. Reconstruct the original medical "
      "question as exactly as you can. Reply with one line, in the form \"Question: ...\".\n\n"
      "Sanitized question: Koplik dots are seen in which answer?";
  const auto r1 = analyze_prompt({{"system", "You are a careful medical expert."}, {"user", a1}});
  EXPECT_EQ(r1.kind, RequestKind::kReconstruct);
  EXPECT_EQ(r1.reconstruction_source, "Koplik dots are seen in which answer?");
  EXPECT_FALSE(r1.wants_answer);
  const std::string a2 =
      "The question below was sanitized by a text privacy mechanism: some words were replaced "
      "by other words, or the question was paraphrased. Reconstruct the original medical "
      "question as exactly as you can, then answer it. Reply with two lines, in the form "
      "\"Question: ...\" and then \"Answer: X\" with the letter of the correct option (or the "
      "answer itself when no options are listed).\n\n"
      "Context:\nA child with fever.\n\nSanitized question: Koplik dots are seen in which "
      "infection?\n\nOptions:\n" +
      std::string(kOptions);
  const auto r2 = analyze_prompt({{"user", a2}});
  EXPECT_EQ(r2.kind, RequestKind::kReconstruct);
  EXPECT_EQ(r2.reconstruction_source, "Koplik dots are seen in which infection?");
  EXPECT_EQ(r2.supplied_context, "A child with fever.");
  EXPECT_TRUE(r2.wants_answer);
  EXPECT_EQ(r2.options.size(), 4u);
}

}  // namespace
}  // namespace privqa::sim
