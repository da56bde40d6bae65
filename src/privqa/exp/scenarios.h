// The steps of each scenario, written once. The runner's cell pipeline
// (runner.cpp), the plan and its estimate (plan.cpp) and the tests walk this
// table; nothing else says which model a scenario calls or what it shows.
// docs/experiments.md describes it.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "privqa/data/question.h"
#include "privqa/exp/run_config.h"
#include "privqa/store/cell.h"

namespace privqa {

// Which of the run's two providers a call goes to.
enum class Role { kLocal, kRemote };
// The provider the run configures for `role` (RunConfig::local_provider or
// remote_provider).
const std::string& provider_of(const RunConfig& config, Role role);

// What a model call is for. The name is part of each call's request seed and
// appears in a cell's details and errors.
// kPrivateParaphrase: DP-Prompt's paraphrase, sampled at the cell's eps.
// kReconstruct: an attack cell's request for the original question (A1), or
// for it and its answer (A2).
enum class CallPurpose { kParaphrase, kPrivateParaphrase, kCot, kAnswer, kReconstruct };
// "paraphrase", "dp_paraphrase", "cot", "answer", "reconstruct"
const char* call_purpose_name(CallPurpose purpose);

// max_tokens of a call: the run's max_cot_tokens or max_answer_tokens, or
// kParaphraseMaxTokens (phrasedp_candidates.h) per paraphrase and
// reconstruction (a question's length, and A2's answer line).
int max_tokens_of(CallPurpose purpose, const RunConfig& config);

// The question text a step's prompt carries.
enum class StepText {
  kQuestion,   // the original question
  kSanitized,  // a mechanism's output at the cell's eps; the original is never shown
};

// Whether a step's prompt lists the options.
enum class StepOptions {
  kNever,
  kIfAllowed,  // when the run sets include_options_remote
  kAlways,
};

// One model call of a cell. A CoT step's reply is the cell's chain of
// thought; the answer step, the last of every S scenario, is shown the CoT
// when an earlier step wrote one. An attack scenario's one step is its
// reconstruction request.
struct ScenarioStep {
  CallPurpose purpose;  // kCot, kAnswer or kReconstruct
  Role model;
  StepText text;
  StepOptions options;
};

// The table: each scenario's calls, in order.
// clang-format off
inline constexpr ScenarioStep kS1Steps[] = {  // the local model answers
    {CallPurpose::kAnswer, Role::kLocal,  StepText::kQuestion,  StepOptions::kAlways}};
inline constexpr ScenarioStep kS2Steps[] = {  // a remote CoT on the question; local answers
    {CallPurpose::kCot,    Role::kRemote, StepText::kQuestion,  StepOptions::kIfAllowed},
    {CallPurpose::kAnswer, Role::kLocal,  StepText::kQuestion,  StepOptions::kAlways}};
inline constexpr ScenarioStep kS3Steps[] = {  // as S2 on the sanitized text
    {CallPurpose::kCot,    Role::kRemote, StepText::kSanitized, StepOptions::kIfAllowed},
    {CallPurpose::kAnswer, Role::kLocal,  StepText::kQuestion,  StepOptions::kAlways}};
inline constexpr ScenarioStep kS4Steps[] = {  // the remote model answers
    {CallPurpose::kAnswer, Role::kRemote, StepText::kQuestion,  StepOptions::kAlways}};
// S5 is S2 with the local model writing the CoT. include_options_remote
// governs what the remote model sees only, so S5's prompts never depend on it.
inline constexpr ScenarioStep kS5Steps[] = {
    {CallPurpose::kCot,    Role::kLocal,  StepText::kQuestion,  StepOptions::kNever},
    {CallPurpose::kAnswer, Role::kLocal,  StepText::kQuestion,  StepOptions::kAlways}};
// The attacks see what S3's remote step sees: the sanitized text, and the
// options where the run shows them (A2 then answers among them).
inline constexpr ScenarioStep kA1Steps[] = {  // the remote model reconstructs the question
    {CallPurpose::kReconstruct, Role::kRemote, StepText::kSanitized, StepOptions::kNever}};
inline constexpr ScenarioStep kA2Steps[] = {  // ... and answers it
    {CallPurpose::kReconstruct, Role::kRemote, StepText::kSanitized, StepOptions::kIfAllowed}};
// clang-format on

struct ScenarioSteps {
  Scenario scenario;
  std::span<const ScenarioStep> steps;
};
inline constexpr ScenarioSteps kScenarioSteps[] = {{Scenario::kLocal, kS1Steps},
                                                   {Scenario::kRemoteCot, kS2Steps},
                                                   {Scenario::kPrivateCot, kS3Steps},
                                                   {Scenario::kRemote, kS4Steps},
                                                   {Scenario::kLocalSelfCot, kS5Steps},
                                                   {Scenario::kReconstruct, kA1Steps},
                                                   {Scenario::kReconstructAnswer, kA2Steps}};

// The steps of `scenario`, in order.
constexpr std::span<const ScenarioStep> steps_of(Scenario scenario) {
  for (const ScenarioSteps& s : kScenarioSteps) {
    if (s.scenario == scenario) return s.steps;
  }
  return {};
}

// Model calls a cell of `scenario` makes once its text is ready (for S3,
// after sanitization; PhraseDP's candidate requests come before).
constexpr int calls_of(Scenario scenario) {
  return static_cast<int>(steps_of(scenario).size());
}

// Whether a cell of `scenario` calls the `role` model.
constexpr bool scenario_calls(Scenario scenario, Role role) {
  for (const ScenarioStep& step : steps_of(scenario)) {
    if (step.model == role) return true;
  }
  return false;
}

// Whether a cell of `scenario` needs a mechanism's output (S3, A1, A2): its
// cells run per mechanism and eps.
bool needs_sanitized_text(Scenario scenario);
// Whether any scenario of `config` needs a mechanism's output.
bool sanitizes(const RunConfig& config);

// The scenario whose remote step an attack scenario attacks (S3): its
// sanitized text, random stream and passage policy. Other scenarios: itself.
constexpr Scenario attacked_scenario(Scenario scenario) {
  return is_attack(scenario) ? Scenario::kPrivateCot : scenario;
}

// What a step's prompt carries besides the original question.
struct StepInputs {
  std::string_view sanitized;          // the mechanism's output (kSanitized steps only)
  std::string_view sanitized_context;  // its output for the passage, when S3 shows it
  std::string_view cot;                // the chain of thought an earlier step wrote, or ""
};

// The prompt of `step` of a `scenario` cell for question `q`. A local step
// is shown the passage; a remote one only where config.remote_sees_context
// (for A1 and A2: S3's), and then as the step shows the question (sanitized
// in S3, A1, A2). Templates come from config.prompts.
std::string step_prompt(const ScenarioStep& step, Scenario scenario, const RunConfig& config,
                        const Question& q, const StepInputs& inputs);

namespace scenario_table {
// Checked at compile time: every S scenario has steps, at most one CoT step
// and then its answer step, which lists the options (the answer templates
// require them); an attack scenario has one remote reconstruction step on
// the sanitized text.
constexpr bool well_formed() {
  for (Scenario s : {Scenario::kReconstruct, Scenario::kReconstructAnswer}) {
    const auto steps = steps_of(s);
    if (steps.size() != 1 || steps.front().purpose != CallPurpose::kReconstruct) return false;
    if (steps.front().model != Role::kRemote || steps.front().text != StepText::kSanitized) {
      return false;
    }
  }
  for (Scenario s : {Scenario::kLocal, Scenario::kRemoteCot, Scenario::kPrivateCot,
                     Scenario::kRemote, Scenario::kLocalSelfCot}) {
    const auto steps = steps_of(s);
    if (steps.empty() || steps.size() > 2) return false;
    if (steps.size() == 2 && steps.front().purpose != CallPurpose::kCot) return false;
    if (steps.back().purpose != CallPurpose::kAnswer) return false;
    if (steps.back().options != StepOptions::kAlways) return false;
  }
  return true;
}
static_assert(well_formed());
}  // namespace scenario_table

}  // namespace privqa
