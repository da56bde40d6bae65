#include "privqa/sim/prompt.h"

#include <gtest/gtest.h>

namespace privqa::sim {
namespace {

std::vector<ChatMessage> user(const std::string& text) {
  return {{"user", text}};
}

TEST(AnalyzePrompt, AnswerRequestListsOptionsAndAsksForALetter) {
  const auto a = analyze_prompt(
      user("Question: Which nerve is injured?\nOptions:\nA) Radial nerve\nB. Axillary nerve\n"
           "(C) Ulnar nerve\n[D] Median nerve\nAnswer with the letter of the correct option."));
  EXPECT_EQ(a.kind, RequestKind::kAnswer);
  EXPECT_EQ(a.options, (std::vector<std::string>{"Radial nerve", "Axillary nerve", "Ulnar nerve",
                                                 "Median nerve"}));
  EXPECT_NE(a.question_text.find("Which nerve is injured?"), std::string::npos);
  EXPECT_EQ(a.question_text.find("Radial"),
            std::string::npos);  // option lines are not the question
  EXPECT_TRUE(a.supplied_reasoning.empty());
  EXPECT_FALSE(a.wants_reasoning);
}

TEST(AnalyzePrompt, OptionsWithoutTheWordLetterAreACotRequest) {
  const auto a = analyze_prompt(user("Which nerve?\nA) Radial\nB) Axillary\nThink step by step."));
  EXPECT_EQ(a.kind, RequestKind::kCot);
  EXPECT_TRUE(a.options.empty());
}

TEST(AnalyzePrompt, OptionLettersMustRunFromAInOrder) {
  const auto a = analyze_prompt(user("Pick a letter.\nB) one\nC) two"));
  EXPECT_EQ(a.kind, RequestKind::kCot);
  const auto b = analyze_prompt(user("Pick a letter.\nA) one\nC) two\nB) three"));
  EXPECT_EQ(b.kind, RequestKind::kAnswer);
  EXPECT_EQ(b.options, (std::vector<std::string>{"one", "three"}));
}

// A passage is not the question's wording: recognition would otherwise
// match whichever question shares most of the passage's words.
TEST(AnalyzePrompt, AContextSectionIsSuppliedAndLeftOutOfTheQuestion) {
  const auto cot = analyze_prompt(
      user("Think through the question step by step.\n\nContext:\nA cohort drank coffee.\n"
           "Arrhythmia was recorded.\n\nQuestion: Is coffee linked to atrial fibrillation?"));
  EXPECT_EQ(cot.kind, RequestKind::kCot);
  EXPECT_EQ(cot.supplied_context, "A cohort drank coffee.\nArrhythmia was recorded.");
  EXPECT_EQ(cot.question_text.find("cohort"), std::string::npos) << cot.question_text;
  EXPECT_NE(cot.question_text.find("atrial fibrillation"), std::string::npos);

  const auto answer = analyze_prompt(
      user("Answer the question.\n\nPassage: Children had an ultrasound.\n\nQuestion: Does it "
           "predict surgery?\n\nOptions:\nA) yes\nB) no\nReply with the letter."));
  EXPECT_EQ(answer.kind, RequestKind::kAnswer);
  EXPECT_EQ(answer.supplied_context, "Children had an ultrasound.");
  EXPECT_EQ(answer.question_text.find("ultrasound"), std::string::npos);
  EXPECT_EQ(answer.options, (std::vector<std::string>{"yes", "no"}));

  EXPECT_EQ(analyze_prompt(user("Question: Which nerve?")).supplied_context, "");
}

TEST(AnalyzePrompt, ReasoningSectionAndAssistantMessagesAreSuppliedReasoning) {
  const auto a = analyze_prompt(
      {{"system", "You are a doctor."},
       {"assistant", "Earlier thought about nerves."},
       {"user",
        "Question: Which nerve?\nA) Radial nerve\nB) Axillary nerve\nReasoning: The surgical neck "
        "lies next to the axillary nerve.\nSo it is likely damaged.\nAnswer with one letter."}});
  EXPECT_EQ(a.kind, RequestKind::kAnswer);
  EXPECT_NE(a.supplied_reasoning.find("Earlier thought"), std::string::npos);
  EXPECT_NE(a.supplied_reasoning.find("next to the axillary nerve"), std::string::npos);
  EXPECT_NE(a.supplied_reasoning.find("likely damaged"), std::string::npos);
  EXPECT_EQ(a.question_text.find("surgical neck"), std::string::npos);
}

TEST(AnalyzePrompt, ReasoningRequestIsNoticed) {
  EXPECT_TRUE(
      analyze_prompt(user("Q\nA) x\nB) y\nExplain, then give the letter.")).wants_reasoning);
  EXPECT_TRUE(analyze_prompt(user("Think step by step about: Q")).wants_reasoning);
}

TEST(AnalyzePrompt, ParaphraseRequestFindsSourceAndCount) {
  const auto labelled = analyze_prompt(
      user("Generate 10 paraphrases of the question below.\nQuestion: Which nerve is injured in "
           "a humerus fracture?"));
  EXPECT_EQ(labelled.kind, RequestKind::kParaphrase);
  EXPECT_EQ(labelled.paraphrase_source, "Which nerve is injured in a humerus fracture?");
  EXPECT_EQ(labelled.paraphrases_per_reply, 10);

  const auto quoted = analyze_prompt(user("Paraphrase \"Which nerve is injured here?\" please."));
  EXPECT_EQ(quoted.paraphrase_source, "Which nerve is injured here?");
  EXPECT_EQ(quoted.paraphrases_per_reply, 1);

  const auto paragraph = analyze_prompt(
      user("Rephrase the following text, giving 3 different versions.\n\nWhich nerve is injured "
           "in a fracture?"));
  EXPECT_EQ(paragraph.paraphrase_source, "Which nerve is injured in a fracture?");
  EXPECT_EQ(paragraph.paraphrases_per_reply, 3);
}

TEST(NamedOption, WholeWordsCaseInsensitiveLastMentionWins) {
  const std::vector<std::string> options = {"Vitamin A", "Vitamin C", "Iron"};
  EXPECT_EQ(named_option("so the answer is VITAMIN C.", options), 1);
  EXPECT_EQ(named_option("not vitamin a but vitamin c", options), 1);
  EXPECT_EQ(named_option("vitamin c rather than iron", options), 2);
  EXPECT_EQ(named_option("Ironically nothing", options), -1);  // "iron" only inside a word
  EXPECT_EQ(named_option("", options), -1);
  // An option contained in a longer one: the longer match wins at the same end.
  EXPECT_EQ(named_option("mantle cell lymphoma", {"cell lymphoma", "mantle cell lymphoma"}), 1);
}

}  // namespace
}  // namespace privqa::sim
