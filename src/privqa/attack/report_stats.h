// The offline attacks as the report shows them (report/run_report.h,
// OfflineAttackStat): the report module reads stores and renders, and runs no
// attack; `privqa report --offline-attacks` computes them here, on the same
// inputs and with the same code as `privqa attack`, and hands them over.
#pragma once

#include <filesystem>
#include <vector>

#include "privqa/attack/offline_attack.h"
#include "privqa/base/result.h"
#include "privqa/report/run_data.h"
#include "privqa/report/run_report.h"

namespace privqa::attack {

// recovered of tokens, with its Wilson 95% interval.
report::Rate recovery_rate(const Recovery& r);

// One stat per group, in the groups' order.
std::vector<report::OfflineAttackStat> report_stats(const std::vector<GroupResult>& results);

// The offline attacks on a stored run (attack/run_inputs.h), with the
// embedding table `embeddings` (empty: the run's, as run_embeddings).
// Fails as run_attack_inputs and run_attacks do, or when the table cannot
// be loaded.
Result<std::vector<report::OfflineAttackStat>> attack_run(const report::RunData& run,
                                                          const std::filesystem::path& embeddings,
                                                          const AttackOptions& options);

}  // namespace privqa::attack
