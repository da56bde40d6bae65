#include "privqa/attack/report_stats.h"

#include "privqa/attack/run_inputs.h"
#include "privqa/report/wilson.h"

namespace privqa::attack {

report::Rate recovery_rate(const Recovery& r) {
  return {r.recovered, r.tokens, report::wilson_interval(r.recovered, r.tokens)};
}

std::vector<report::OfflineAttackStat> report_stats(const std::vector<GroupResult>& results) {
  std::vector<report::OfflineAttackStat> out;
  for (const GroupResult& r : results) {
    report::OfflineAttackStat& s = out.emplace_back();
    s.mechanism = r.mechanism;
    s.eps = r.eps;
    s.texts = r.texts;
    s.exact_channel = r.exact_channel;
    if (!r.exact_channel) continue;
    s.recovery = recovery_rate(r.inversion.all);
    s.rare_recovery = recovery_rate(r.inversion.rare);
    s.sensitive_recovery = recovery_rate(r.inversion.sensitive);
    s.words = r.words;
    s.median_n_w = r.deniability.n_w.median;
    s.median_s_w = r.deniability.s_w.median;
  }
  return out;
}

Result<std::vector<report::OfflineAttackStat>> attack_run(const report::RunData& run,
                                                          const std::filesystem::path& embeddings,
                                                          const AttackOptions& options) {
  auto inputs = run_attack_inputs(run);
  if (!inputs) return inputs.error();
  auto table = load_embeddings(embeddings.empty() ? inputs->embeddings : embeddings);
  if (!table) return table.error();
  auto results = run_attacks(*table, inputs->corpus, inputs->groups, options);
  if (!results) return results.error();
  return report_stats(*results);
}

}  // namespace privqa::attack
