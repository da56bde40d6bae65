#include "privqa/exp/plan.h"

#include <algorithm>

namespace privqa {

namespace {

int64_t estimate_tokens(const std::string& text) {
  return static_cast<int64_t>(text.size() + 3) / 4;
}

}  // namespace

bool is_phrasedp(const std::string& mechanism) {
  return mechanism == "phrasedp";
}

std::vector<CellKey> cells_of(const Question& q, const RunConfig& c) {
  std::vector<CellKey> cells;
  for (int r = 0; r < c.repeats; ++r) {
    for (Scenario s : c.scenarios) {
      if (s == Scenario::kPrivateCot) continue;
      cells.push_back({q.id, s, "", 0, r});
    }
    if (!c.has_scenario(Scenario::kPrivateCot)) continue;
    for (const auto& m : c.mechanisms) {
      for (double eps : c.epsilons)
        cells.push_back({q.id, Scenario::kPrivateCot, m.name, eps, r});
    }
  }
  return cells;
}

PlanEstimate estimate_plan(const std::vector<Question>& questions, const RunConfig& c) {
  PlanEstimate e;
  e.questions = questions.size();
  const Prompts& p = c.prompts;
  auto add = [&](const std::string& provider, int64_t requests, const std::string& prompt,
                 int max_tokens) {
    ProviderEstimate& pe = e.providers[provider];
    pe.requests += requests;
    pe.tokens_in += requests * (estimate_tokens(p.system) + estimate_tokens(prompt));
    pe.max_tokens_out += requests * max_tokens;
  };
  for (const auto& q : questions) {
    const std::string options = format_options(q.options);
    const std::string answer =
        render_template(p.answer, {{"question", q.text}, {"options", options}});
    const std::string cot_prompt =
        render_template(c.include_options_remote ? p.cot_with_options : p.cot,
                        {{"question", q.text}, {"options", options}});
    // A CoT is assumed to use its whole budget in the answer prompt.
    const std::string with_cot = render_template(
        p.answer_with_cot, {{"question", q.text},
                            {"options", options},
                            {"cot", std::string(static_cast<size_t>(c.max_cot_tokens) * 4, 'x')}});
    const std::string paraphrase = render_template(p.paraphrase, {{"question", q.text}});
    for (const CellKey& cell : cells_of(q, c)) {
      ++e.cells;
      ++e.cells_by_scenario[cell.scenario];
      switch (cell.scenario) {
        case Scenario::kLocal:
          add(c.local_provider, 1, answer, c.max_answer_tokens);
          break;
        case Scenario::kRemote:
          add(c.remote_provider, 1, answer, c.max_answer_tokens);
          break;
        case Scenario::kRemoteCot:
        case Scenario::kPrivateCot:
          add(c.remote_provider, 1, cot_prompt, c.max_cot_tokens);
          add(c.local_provider, 1, with_cot, c.max_answer_tokens);
          break;
        case Scenario::kLocalSelfCot:
          add(c.local_provider, 1, cot_prompt, c.max_cot_tokens);
          add(c.local_provider, 1, with_cot, c.max_answer_tokens);
          break;
      }
    }
    // PhraseDP candidates are generated once per question and repeat and
    // shared by every eps.
    for (const auto& m : c.mechanisms) {
      if (!is_phrasedp(m.name) || !c.has_scenario(Scenario::kPrivateCot)) continue;
      const bool bands = c.phrasedp.variant == PhraseVariant::kBands;
      const int64_t requests = bands ? 10 : (c.phrasedp.use_n ? 1 : c.phrasedp.candidates);
      const int outputs = bands ? 1 : (c.phrasedp.use_n ? c.phrasedp.candidates : 1);
      add(c.local_provider, requests * c.repeats, paraphrase, kParaphraseMaxTokens * outputs);
    }
  }
  for (auto& [name, pe] : e.providers) {
    const ProviderConfig* config = c.provider(name);
    if (config == nullptr) continue;
    pe.max_cost = config->cost(pe.tokens_in, pe.max_tokens_out);
    if (config->rpm > 0) {
      pe.seconds_at_limits = std::max(pe.seconds_at_limits, 60.0 * pe.requests / config->rpm);
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
