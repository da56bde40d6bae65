// The offline attacks' results as a text table (the terminal), CSV (one row
// per mechanism and eps, every figure) and JSON. Rates carry 95% Wilson
// intervals (report/wilson.h); mechanisms without an exact channel are
// listed as such.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "privqa/attack/offline_attack.h"

namespace privqa::attack {

std::string attack_table(const std::vector<GroupResult>& results);
std::string attack_csv(const std::vector<GroupResult>& results);
nlohmann::ordered_json attack_json(const std::vector<GroupResult>& results,
                                   const AttackOptions& options);

}  // namespace privqa::attack
