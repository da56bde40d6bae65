// The dry-run plan against the run itself: on a grid of all five scenarios,
// a word-level mechanism and PhraseDP, two repeats, the plan's requests,
// prompt tokens and output bounds per provider equal what the scripted
// models receive. The in-process fixture makes the plan's assumptions exact
// (a sanitized text as long as the question, a CoT using its whole budget),
// so any difference is a step one side makes and the other does not.
#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>

#include "exp/in_process_run.h"
#include "privqa/exp/plan.h"
#include "privqa/store/result_store.h"

namespace privqa {
namespace {

using testing::InProcessRun;

struct GridCase {
  const char* name;
  PhraseVariant variant;
  bool medical;
  bool use_n;
  int candidates;
  bool include_options_remote;
};

void PrintTo(const GridCase& g, std::ostream* os) {
  *os << g.name;
}

class PlanMatchesRun : public ::testing::TestWithParam<GridCase> {};

TEST_P(PlanMatchesRun, RequestsAndTokensPerProvider) {
  const GridCase& g = GetParam();
  InProcessRun run;
  run.config.repeats = 2;
  run.config.phrasedp.variant = g.variant;
  run.config.phrasedp.medical = g.medical;
  run.config.phrasedp.use_n = g.use_n;
  run.config.phrasedp.candidates = g.candidates;
  run.config.include_options_remote = g.include_options_remote;
  auto summary = run.run();
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  // 3 questions x 2 repeats x (S1, S2, S4, S5 + 2 mechanisms x 3 eps).
  ASSERT_EQ(summary->cells_planned, 3u * 2 * (4 + 2 * 3));
  ASSERT_EQ(summary->cells_ok, summary->cells_planned) << "every cell made all its calls";

  // The fixture's premise: every S3 text the remote saw is as long as its
  // question (the plan's assumption), and the mechanisms did change them.
  std::map<std::string, std::string> text_of;
  for (const Question& q : run.questions())
    text_of[q.id] = q.text;
  auto store = open_sqlite_store(run.config.output, /*read_only=*/true);
  ASSERT_TRUE(store.ok());
  auto cells = (*store)->cells();
  ASSERT_TRUE(cells.ok());
  std::map<std::string, size_t> changed;  // by mechanism
  for (const CellResult& c : *cells) {
    if (c.key.scenario != Scenario::kPrivateCot) continue;
    EXPECT_EQ(c.sanitized.size(), text_of.at(c.key.question_id).size()) << c.key.str();
    changed[c.key.mechanism] += c.sanitized != text_of.at(c.key.question_id);
  }
  EXPECT_EQ(changed["phrasedp"], 3u * 2 * 3);
  EXPECT_GT(changed["santext+"], 9u);

  // What the models received, counted as the plan counts.
  std::map<std::string, ProviderEstimate> sent;
  for (const auto& call : run.log) {
    ProviderEstimate& p = sent[call.provider];
    ++p.requests;
    for (const auto& m : call.request.messages)
      p.tokens_in += estimate_prompt_tokens(m.content);
    p.max_tokens_out += int64_t{call.request.max_tokens.value_or(0)} * call.request.n.value_or(1);
  }
  const PlanEstimate plan = estimate_plan(run.questions(), run.config);
  EXPECT_EQ(plan.cells, summary->cells_planned);
  ASSERT_EQ(plan.providers.size(), 2u);
  ASSERT_EQ(sent.size(), 2u);
  for (const char* name : {"local", "remote"}) {
    SCOPED_TRACE(name);
    const ProviderEstimate& planned = plan.providers.at(name);
    EXPECT_EQ(planned.requests, sent[name].requests);
    EXPECT_EQ(planned.tokens_in, sent[name].tokens_in);
    EXPECT_EQ(planned.max_tokens_out, sent[name].max_tokens_out);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Grid, PlanMatchesRun,
    ::testing::Values(GridCase{"NSamplesInOneRequest", PhraseVariant::kOld, false, true, 4, false},
                      GridCase{"OneRequestPerCandidateMedicalOptionsShown", PhraseVariant::kOld,
                               true, false, 3, true},
                      GridCase{"BandsOptionsShown", PhraseVariant::kBands, false, true, 10, true}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace privqa
