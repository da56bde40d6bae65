// What the offline attacks read from a stored run (report/run_data.h): the
// dataset's question texts, the mechanisms' corpus and the adversary's
// prior, and per mechanism and eps the texts its completed S3 cells sent.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "privqa/attack/offline_attack.h"
#include "privqa/base/result.h"
#include "privqa/report/run_data.h"

namespace privqa::attack {

struct AttackInputs {
  std::filesystem::path embeddings;  // the table the mechanisms used
  std::vector<std::string> corpus;
  std::vector<AttackGroup> groups;
};

// Fails, naming the run, when its question file could not be reloaded (the
// originals are needed), a cell names a mechanism or question the run does
// not have, or it has no completed S3 cell.
Result<AttackInputs> run_attack_inputs(const report::RunData& run);

// The groups of `groups` (keyed by mechanism label and eps) in the order of
// `names` (mechanism labels), eps ascending.
std::vector<AttackGroup> groups_in_order(
    const std::vector<std::string>& names,
    std::map<std::pair<std::string, double>, AttackGroup>&& groups);

}  // namespace privqa::attack
