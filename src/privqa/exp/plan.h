// The plan of a run: which cells each question has, and what they will cost.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "privqa/data/question.h"
#include "privqa/exp/run_config.h"
#include "privqa/store/cell.h"

namespace privqa {

// The cells of one question, in a fixed order: eps-independent scenarios
// first (once per question and repeat), then S3, A1, A2 (as the config lists
// them) by mechanism and eps. With a shard in the config, only its cells.
std::vector<CellKey> cells_of(const Question& question, const RunConfig& config);

// The prompt tokens the plan counts for one message: about 4 characters each.
int64_t estimate_prompt_tokens(const std::string& text);

struct ProviderEstimate {
  int64_t requests = 0;
  int64_t tokens_in = 0;         // estimated prompt tokens (about 4 characters each)
  int64_t max_tokens_out = 0;    // upper bound: max_tokens of every request
  double max_cost = 0;           // at the configured prices, with max_tokens_out
  double seconds_at_limits = 0;  // the larger of requests / rpm and prompt tokens / tpm
};

struct PlanEstimate {
  size_t questions = 0;
  size_t cells = 0;
  std::map<Scenario, size_t> cells_by_scenario;
  std::map<std::string, ProviderEstimate> providers;  // by provider name
  double lower_bound_seconds = 0;                     // the largest seconds_at_limits
};

// The requests every cell and every PhraseDP candidate set will send, walked
// through the scenario table (scenarios.h) and candidate_requests()
// (phrasedp_candidates.h) as the runner walks them. What the plan cannot know
// is assumed: a mechanism's output is as long as the question, and a CoT uses
// its whole max_cot_tokens at 4 characters a token.
PlanEstimate estimate_plan(const std::vector<Question>& questions, const RunConfig& config);

}  // namespace privqa
