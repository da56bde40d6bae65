#include "privqa/exp/prompts.h"

#include <gtest/gtest.h>

namespace privqa {
namespace {

TEST(Prompts, AnEmptyContextLeavesOutItsWholeParagraph) {
  const std::string text = "Intro.\n\nContext:\n{context}\n\nQuestion: {question}";
  EXPECT_EQ(render_template(text, {{"question", "Q?"}, {"context", "P1\nP2"}}),
            "Intro.\n\nContext:\nP1\nP2\n\nQuestion: Q?");
  EXPECT_EQ(render_template(text, {{"question", "Q?"}, {"context", ""}}), "Intro.\n\nQuestion: Q?");
  // First or last paragraph, and extra blank lines elsewhere kept as written.
  EXPECT_EQ(render_template("Passage: {context}\n\n\nQ: {question}",
                            {{"question", "Q?"}, {"context", ""}}),
            "\nQ: Q?");
  EXPECT_EQ(
      render_template("Q: {question}\n\nPassage: {context}", {{"question", "Q?"}, {"context", ""}}),
      "Q: Q?");
  EXPECT_EQ(render_template("Q: {question}", {{"question", "Q?"}, {"context", ""}}), "Q: Q?");
}

// With no passage to show, the passage-carrying defaults render exactly as
// the defaults of a dataset without passages.
TEST(Prompts, PassageDefaultsWithoutAPassageAreThePlainDefaults) {
  const Prompts plain = default_prompts(false);
  const Prompts passages = default_prompts(true);
  const std::map<std::string, std::string> values = {{"question", "Does coffee help?"},
                                                     {"options", "A) yes\nB) no"},
                                                     {"cot", "Think."},
                                                     {"context", ""}};
  for (const auto& [with, without] : {std::pair{passages.answer, plain.answer},
                                      {passages.answer_with_cot, plain.answer_with_cot},
                                      {passages.cot, plain.cot},
                                      {passages.cot_with_options, plain.cot_with_options}}) {
    EXPECT_NE(with.find("Context:\n{context}\n\nQuestion: {question}"), std::string::npos) << with;
    EXPECT_EQ(without.find("{context}"), std::string::npos) << without;
    EXPECT_EQ(render_template(with, values), render_template(without, values));
  }
  EXPECT_EQ(passages.paraphrase, plain.paraphrase) << "a paraphrase is of the question only";
  for (const auto& [with, without] : {std::pair{passages.reconstruct, plain.reconstruct},
                                      {passages.reconstruct_answer, plain.reconstruct_answer}}) {
    EXPECT_NE(with.find("Context:\n{context}\n\nSanitized question: {question}"), std::string::npos)
        << with;
    EXPECT_EQ(render_template(with, values), render_template(without, values));
  }
}

// A2's options are listed only where the run shows them: an empty {options}
// leaves out its paragraph, as an empty {context} does.
TEST(Prompts, ReconstructionDefaultsAndTheirOptions) {
  const Prompts p = default_prompts();
  EXPECT_TRUE(check_template("reconstruct", p.reconstruct).ok());
  EXPECT_TRUE(check_template("reconstruct_answer", p.reconstruct_answer).ok());
  EXPECT_FALSE(check_template("reconstruct", "{question} {options}").ok())
      << "A1 never lists the options";
  const std::string shown =
      render_template(p.reconstruct_answer, {{"question", "Q?"}, {"options", "A) x\nB) y"}});
  EXPECT_NE(shown.find("Sanitized question: Q?\n\nOptions:\nA) x\nB) y"), std::string::npos)
      << shown;
  const std::string kept =
      render_template(p.reconstruct_answer, {{"question", "Q?"}, {"options", ""}});
  EXPECT_EQ(kept.find("Options:"), std::string::npos) << kept;
  EXPECT_TRUE(kept.ends_with("Sanitized question: Q?")) << kept;
}

TEST(Prompts, ContextIsAllowedWhereAQuestionIsAsked) {
  for (const char* name : {"answer", "cot", "cot_with_options"}) {
    const std::string text = std::string(name) == "answer" ? "{context} {question} {options}"
                             : std::string(name) == "cot"  ? "{context} {question}"
                                                           : "{context} {question} {options}";
    EXPECT_TRUE(check_template(name, text).ok()) << name;
  }
  EXPECT_TRUE(check_template("answer_with_cot", "{context} {question} {options} {cot}").ok());
  EXPECT_FALSE(check_template("paraphrase", "{context} {question}").ok());
  EXPECT_FALSE(check_template("system", "{context}").ok());
}

}  // namespace
}  // namespace privqa
