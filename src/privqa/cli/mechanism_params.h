// Mechanism parameters given on the command line (sanitize, attack).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "privqa/base/result.h"

namespace privqa::cli {

// The parameters of `mechanism` among repeated --param items: key=value
// applies to every mechanism, NAME:key=value to NAME only.
Result<std::map<std::string, std::string>> params_for(const std::string& mechanism,
                                                      const std::vector<std::string>& items);

}  // namespace privqa::cli
