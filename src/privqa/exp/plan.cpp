#include "privqa/exp/plan.h"

#include <algorithm>

#include "privqa/exp/dpprompt_paraphrase.h"
#include "privqa/exp/phrasedp_candidates.h"
#include "privqa/exp/scenarios.h"

namespace privqa {

int64_t estimate_prompt_tokens(const std::string& text) {
  return static_cast<int64_t>(text.size() + 3) / 4;
}

std::vector<CellKey> cells_of(const Question& q, const RunConfig& c) {
  std::vector<CellKey> cells;
  auto add = [&](CellKey key) {
    if (!c.shard || c.shard->contains(key)) cells.push_back(std::move(key));
  };
  for (int r = 0; r < c.repeats; ++r) {
    for (Scenario s : c.scenarios) {
      if (needs_sanitized_text(s)) continue;
      add({q.id, s, "", 0, r});
    }
    for (Scenario s : c.scenarios) {
      if (!needs_sanitized_text(s)) continue;
      for (const auto& m : c.mechanisms) {
        for (double eps : c.epsilons)
          add({q.id, s, m.name, eps, r});
      }
    }
  }
  return cells;
}

PlanEstimate estimate_plan(const std::vector<Question>& questions, const RunConfig& c) {
  PlanEstimate e;
  e.questions = questions.size();
  const int64_t system_tokens = estimate_prompt_tokens(c.prompts.system);
  auto add = [&](Role role, const std::string& prompt, int max_tokens) {
    ProviderEstimate& pe = e.providers[provider_of(c, role)];
    ++pe.requests;
    pe.tokens_in += system_tokens + estimate_prompt_tokens(prompt);
    pe.max_tokens_out += max_tokens;
  };
  const bool has_phrasedp =
      sanitizes(c) && std::any_of(c.mechanisms.begin(), c.mechanisms.end(),
                                  [](const MechanismConfig& m) { return is_phrasedp(m.kind); });
  const std::vector<std::string> encoders = encoder_providers(c);
  const std::string whole_cot(static_cast<size_t>(std::max(c.max_cot_tokens, 0)) * 4, 'x');
  for (const auto& q : questions) {
    for (const CellKey& cell : cells_of(q, c)) {
      ++e.cells;
      ++e.cells_by_scenario[cell.scenario];
      std::string_view cot;
      if (needs_sanitized_text(cell.scenario) && is_dpprompt(c, cell.mechanism)) {
        add(Role::kLocal, dpprompt_prompt(c, q), max_tokens_of(CallPurpose::kPrivateParaphrase, c));
      }
      for (const ScenarioStep& step : steps_of(cell.scenario)) {
        // The original texts stand in for the sanitized ones: about as long.
        const StepInputs inputs{.sanitized = q.text, .sanitized_context = q.context, .cot = cot};
        add(step.model, step_prompt(step, cell.scenario, c, q, inputs),
            max_tokens_of(step.purpose, c));
        if (step.purpose == CallPurpose::kCot) cot = whole_cot;
      }
    }
    // PhraseDP candidates: once per question and repeat, shared by every
    // PhraseDP mechanism and eps; each provider encoder embeds the question
    // and the candidates (at most their max_tokens) in one request.
    if (!has_phrasedp) continue;
    for (int r = 0; r < c.repeats; ++r) {
      int64_t candidate_tokens = 0;
      for (const CandidateRequest& request : candidate_requests(c, q)) {
        const int max_tokens = max_tokens_of(CallPurpose::kParaphrase, c) * request.n.value_or(1);
        add(Role::kLocal, request.prompt, max_tokens);
        candidate_tokens += max_tokens;
      }
      for (const std::string& encoder : encoders) {
        ProviderEstimate& pe = e.providers[encoder];
        ++pe.requests;
        pe.tokens_in += estimate_prompt_tokens(q.text) + candidate_tokens;
      }
    }
  }
  for (auto& [name, pe] : e.providers) {
    const ProviderConfig* config = c.provider(name);
    if (config == nullptr) continue;
    pe.max_cost = config->cost(pe.tokens_in, pe.max_tokens_out);
    if (config->rpm > 0) {
      pe.seconds_at_limits =
          std::max(pe.seconds_at_limits, 60.0 * static_cast<double>(pe.requests) / config->rpm);
    }
    // Output tokens are unknown before the run; prompt tokens alone keep the
    // bound a lower bound.
    if (config->tpm > 0) {
      pe.seconds_at_limits =
          std::max(pe.seconds_at_limits, 60.0 * static_cast<double>(pe.tokens_in) / config->tpm);
    }
    e.lower_bound_seconds = std::max(e.lower_bound_seconds, pe.seconds_at_limits);
  }
  return e;
}

}  // namespace privqa
