#include "privqa/exp/scenarios.h"

#include <gtest/gtest.h>

#include <set>

#include "privqa/exp/phrasedp_candidates.h"

namespace privqa {
namespace {

const Scenario kAll[] = {
    Scenario::kLocal,        Scenario::kRemoteCot,   Scenario::kPrivateCot,       Scenario::kRemote,
    Scenario::kLocalSelfCot, Scenario::kReconstruct, Scenario::kReconstructAnswer};

// What the remote model is shown in a scenario, read off the table.
struct RemoteView {
  std::set<StepText> texts;
  bool options = false;
  bool operator==(const RemoteView&) const = default;
};

RemoteView remote_view(Scenario s, bool include_options_remote) {
  RemoteView view;
  for (const ScenarioStep& step : steps_of(s)) {
    if (step.model != Role::kRemote) continue;
    view.texts.insert(step.text);
    view.options |= step.options == StepOptions::kAlways ||
                    (step.options == StepOptions::kIfAllowed && include_options_remote);
  }
  return view;
}

// The README's scenario table, column "the remote model sees".
TEST(Scenarios, TheRemoteSeesWhatTheReadmeSays) {
  for (bool allowed : {false, true}) {
    SCOPED_TRACE(allowed ? "include_options_remote" : "options kept local");
    EXPECT_EQ(remote_view(Scenario::kLocal, allowed), RemoteView{}) << "S1: nothing";
    EXPECT_EQ(remote_view(Scenario::kRemoteCot, allowed),
              (RemoteView{{StepText::kQuestion}, allowed}))
        << "S2: the question";
    EXPECT_EQ(remote_view(Scenario::kPrivateCot, allowed),
              (RemoteView{{StepText::kSanitized}, allowed}))
        << "S3: the sanitized text only";
    EXPECT_EQ(remote_view(Scenario::kRemote, allowed), (RemoteView{{StepText::kQuestion}, true}))
        << "S4: question and options";
    EXPECT_EQ(remote_view(Scenario::kLocalSelfCot, allowed), RemoteView{}) << "S5: nothing";
    EXPECT_EQ(remote_view(Scenario::kReconstruct, allowed), (RemoteView{{StepText::kSanitized}}))
        << "A1: the sanitized text only, never the options";
    EXPECT_EQ(remote_view(Scenario::kReconstructAnswer, allowed),
              (RemoteView{{StepText::kSanitized}, allowed}))
        << "A2: what S3's remote step sees";
  }
}

// The README's column "what happens": who writes the CoT, who answers.
TEST(Scenarios, WhoWritesTheCotAndWhoAnswers) {
  struct Expected {
    Scenario scenario;
    std::optional<Role> cot_writer;
    Role answerer;
  };
  const Expected expected[] = {{Scenario::kLocal, std::nullopt, Role::kLocal},
                               {Scenario::kRemoteCot, Role::kRemote, Role::kLocal},
                               {Scenario::kPrivateCot, Role::kRemote, Role::kLocal},
                               {Scenario::kRemote, std::nullopt, Role::kRemote},
                               {Scenario::kLocalSelfCot, Role::kLocal, Role::kLocal}};
  for (const auto& e : expected) {
    SCOPED_TRACE(scenario_id(e.scenario));
    std::optional<Role> cot_writer;
    int answers = 0;
    for (const ScenarioStep& step : steps_of(e.scenario)) {
      if (step.purpose == CallPurpose::kCot) {
        EXPECT_FALSE(cot_writer) << "one CoT at most";
        cot_writer = step.model;
      } else {
        ++answers;
        EXPECT_EQ(step.model, e.answerer);
        EXPECT_EQ(step.text, StepText::kQuestion) << "the answerer reads the original";
      }
    }
    EXPECT_EQ(cot_writer, e.cot_writer);
    EXPECT_EQ(answers, 1);
    EXPECT_EQ(calls_of(e.scenario), e.cot_writer ? 2 : 1);
  }
  EXPECT_EQ(kCallsAfterCandidates, 2) << "S3: the CoT and the answer follow the candidates";
}

TEST(Scenarios, OnlyS3AndTheAttacksNeedAMechanism) {
  for (Scenario s : kAll) {
    const bool attack = s == Scenario::kReconstruct || s == Scenario::kReconstructAnswer;
    EXPECT_EQ(is_attack(s), attack) << scenario_id(s);
    EXPECT_EQ(needs_sanitized_text(s), s == Scenario::kPrivateCot || attack) << scenario_id(s);
    EXPECT_EQ(attacked_scenario(s), attack ? Scenario::kPrivateCot : s) << scenario_id(s);
    Scenario parsed;
    ASSERT_TRUE(parse_scenario(scenario_id(s), parsed));
    EXPECT_EQ(parsed, s);
    ASSERT_TRUE(parse_scenario(scenario_name(s), parsed));
    EXPECT_EQ(parsed, s);
  }
  EXPECT_STREQ(scenario_id(Scenario::kReconstruct), "A1");
  EXPECT_STREQ(scenario_name(Scenario::kReconstructAnswer), "reconstruct_answer");
  RunConfig c;
  c.scenarios = {Scenario::kLocal, Scenario::kReconstruct};
  EXPECT_TRUE(sanitizes(c));
  c.scenarios = {Scenario::kLocal, Scenario::kRemote};
  EXPECT_FALSE(sanitizes(c));
}

class StepPrompts : public ::testing::Test {
 protected:
  StepPrompts() {
    config_.prompts.answer = "A|{question}|{options}";
    config_.prompts.answer_with_cot = "AC|{cot}|{question}|{options}";
    config_.prompts.cot = "C|{question}";
    config_.prompts.cot_with_options = "CO|{question}|{options}";
    q_.text = "Which nerve?";
    q_.options = {"Radial", "Axillary"};
  }
  std::string prompt(Scenario s, size_t step, std::string_view sanitized = "",
                     std::string_view cot = "") {
    return step_prompt(steps_of(s)[step], s, config_, q_,
                       {.sanitized = sanitized, .sanitized_context = "Part.", .cot = cot});
  }

  RunConfig config_;
  Question q_;
};

TEST_F(StepPrompts, CotPromptsListTheOptionsOnlyWhenTheRemoteMaySeeThem) {
  EXPECT_EQ(prompt(Scenario::kRemoteCot, 0), "C|Which nerve?");
  EXPECT_EQ(prompt(Scenario::kPrivateCot, 0, "Which part?"), "C|Which part?");
  EXPECT_EQ(prompt(Scenario::kLocalSelfCot, 0), "C|Which nerve?");
  config_.include_options_remote = true;
  EXPECT_EQ(prompt(Scenario::kRemoteCot, 0), "CO|Which nerve?|A) Radial\nB) Axillary");
  EXPECT_EQ(prompt(Scenario::kPrivateCot, 0, "Which part?"),
            "CO|Which part?|A) Radial\nB) Axillary");
  // The local model's own CoT is the same prompt whatever the setting.
  EXPECT_EQ(prompt(Scenario::kLocalSelfCot, 0), "C|Which nerve?");
}

TEST_F(StepPrompts, AnswerPromptsCarryTheOriginalTheOptionsAndAnyCot) {
  EXPECT_EQ(prompt(Scenario::kLocal, 0), "A|Which nerve?|A) Radial\nB) Axillary");
  EXPECT_EQ(prompt(Scenario::kRemote, 0), "A|Which nerve?|A) Radial\nB) Axillary");
  EXPECT_EQ(prompt(Scenario::kRemoteCot, 1, "", "think"),
            "AC|think|Which nerve?|A) Radial\nB) Axillary");
  EXPECT_EQ(prompt(Scenario::kPrivateCot, 1, "Which part?", "think"),
            "AC|think|Which nerve?|A) Radial\nB) Axillary");
}

// A passage goes to every local step, and to a remote step only where the
// run shows it: as is in S2 and S4, sanitized in S3.
TEST_F(StepPrompts, PassagesGoToLocalStepsAndToRemoteOnesOnlyWhereShown) {
  config_.prompts.answer = "A|{question}\n\nCtx {context}";
  config_.prompts.cot = "C|{question}\n\nCtx {context}";
  config_.prompts.answer_with_cot = "AC|{cot}|{question}\n\nCtx {context}";
  q_.context = "Whole passage.";
  EXPECT_EQ(prompt(Scenario::kLocal, 0), "A|Which nerve?\n\nCtx Whole passage.");
  EXPECT_EQ(prompt(Scenario::kLocalSelfCot, 0), "C|Which nerve?\n\nCtx Whole passage.");
  EXPECT_EQ(prompt(Scenario::kRemoteCot, 1, "", "t"), "AC|t|Which nerve?\n\nCtx Whole passage.");
  // Remote steps: kept local by default, the whole paragraph left out.
  EXPECT_EQ(prompt(Scenario::kRemoteCot, 0), "C|Which nerve?");
  EXPECT_EQ(prompt(Scenario::kPrivateCot, 0, "Which part?"), "C|Which part?");
  EXPECT_EQ(prompt(Scenario::kRemote, 0), "A|Which nerve?");
  config_.remote_context = {Scenario::kPrivateCot, Scenario::kRemote};
  EXPECT_EQ(prompt(Scenario::kRemoteCot, 0), "C|Which nerve?") << "S2 not named";
  EXPECT_EQ(prompt(Scenario::kPrivateCot, 0, "Which part?"), "C|Which part?\n\nCtx Part.")
      << "S3 shows the sanitized passage, never the original";
  EXPECT_EQ(prompt(Scenario::kRemote, 0), "A|Which nerve?\n\nCtx Whole passage.");
}

// An attack's prompt carries the sanitized text where S3's CoT prompt does,
// the sanitized passage where S3 shows it, and (A2) the options where S3
// shows them: never the original question.
TEST_F(StepPrompts, AttackPromptsShowWhatS3sRemoteStepSees) {
  config_.prompts.reconstruct = "R|{question}\n\nCtx {context}";
  config_.prompts.reconstruct_answer = "RA|{question}\n\nO {options}\n\nCtx {context}";
  q_.context = "Whole passage.";
  EXPECT_EQ(prompt(Scenario::kReconstruct, 0, "Which part?"), "R|Which part?");
  EXPECT_EQ(prompt(Scenario::kReconstructAnswer, 0, "Which part?"), "RA|Which part?")
      << "options kept local: their paragraph is left out";
  config_.include_options_remote = true;
  config_.remote_context = {Scenario::kPrivateCot};
  EXPECT_EQ(prompt(Scenario::kReconstruct, 0, "Which part?"), "R|Which part?\n\nCtx Part.");
  EXPECT_EQ(prompt(Scenario::kReconstructAnswer, 0, "Which part?"),
            "RA|Which part?\n\nO A) Radial\nB) Axillary\n\nCtx Part.");
  config_.remote_context = {Scenario::kRemote};
  EXPECT_EQ(prompt(Scenario::kReconstruct, 0, "Which part?"), "R|Which part?")
      << "the attacks follow S3's passage policy, not another scenario's";
}

TEST(Scenarios, CallPurposesAndTheirBudgets) {
  EXPECT_STREQ(call_purpose_name(CallPurpose::kParaphrase), "paraphrase");
  EXPECT_STREQ(call_purpose_name(CallPurpose::kCot), "cot");
  EXPECT_STREQ(call_purpose_name(CallPurpose::kAnswer), "answer");
  EXPECT_STREQ(call_purpose_name(CallPurpose::kReconstruct), "reconstruct");
  RunConfig c;
  c.max_cot_tokens = 300;
  c.max_answer_tokens = 20;
  EXPECT_EQ(max_tokens_of(CallPurpose::kCot, c), 300);
  EXPECT_EQ(max_tokens_of(CallPurpose::kAnswer, c), 20);
  EXPECT_EQ(max_tokens_of(CallPurpose::kParaphrase, c), kParaphraseMaxTokens);
  EXPECT_EQ(max_tokens_of(CallPurpose::kReconstruct, c), kParaphraseMaxTokens);
  c.local_provider = "l";
  c.remote_provider = "r";
  EXPECT_EQ(provider_of(c, Role::kLocal), "l");
  EXPECT_EQ(provider_of(c, Role::kRemote), "r");
}

}  // namespace
}  // namespace privqa
