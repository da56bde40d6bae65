#include "privqa/exp/reconstruction_reply.h"

#include <gtest/gtest.h>

#include "privqa/exp/answer_parser.h"

namespace privqa {
namespace {

TEST(ReconstructionReply, LabelledQuestionAndAnswer) {
  const auto r =
      read_reconstruction_reply("Sure.\nQuestion: Which nerve supplies the deltoid?\nAnswer: B");
  EXPECT_EQ(r.question, "Which nerve supplies the deltoid?");
  EXPECT_EQ(r.answer, "B");
  EXPECT_EQ(parse_answer(r.answer, {"Radial", "Axillary", "Ulnar", "Median"}).index, 1);
}

TEST(ReconstructionReply, UnlabelledReplyIsTheQuestion) {
  const auto r = read_reconstruction_reply("  Which nerve supplies the deltoid?\n");
  EXPECT_EQ(r.question, "Which nerve supplies the deltoid?");
  EXPECT_EQ(r.answer, "");
}

TEST(ReconstructionReply, LabelsIgnoreCaseAndTheLastQuestionLabelWins) {
  const auto r = read_reconstruction_reply(
      "question: a draft\nQUESTION: Which nerve\nsupplies the deltoid?\nanswer: axillary");
  EXPECT_EQ(r.question, "Which nerve\nsupplies the deltoid?");
  EXPECT_EQ(r.answer, "axillary");
  EXPECT_EQ(parse_answer(r.answer, {"Radial", "Axillary"}).index, 1) << "the option's text";
}

TEST(ReconstructionReply, SectionsInEitherOrder) {
  const auto r = read_reconstruction_reply("Answer: C\nbecause\nQuestion: What is it?");
  EXPECT_EQ(r.question, "What is it?");
  EXPECT_EQ(r.answer, "C\nbecause");
}

TEST(ReconstructionReply, WithoutAQuestionLabelTheTextBeforeTheAnswer) {
  const auto r = read_reconstruction_reply("What is it?\nAnswer: (D)");
  EXPECT_EQ(r.question, "What is it?");
  EXPECT_EQ(r.answer, "(D)");
}

TEST(ReconstructionReply, EmptyReply) {
  const auto r = read_reconstruction_reply("");
  EXPECT_EQ(r.question, "");
  EXPECT_EQ(r.answer, "");
}

}  // namespace
}  // namespace privqa
