#include "privqa/cli/mechanism_params.h"

#include "privqa/dp/params.h"

namespace privqa::cli {

Result<std::map<std::string, std::string>> params_for(const std::string& mechanism,
                                                      const std::vector<std::string>& items) {
  std::vector<std::string> mine;
  for (const auto& item : items) {
    const auto colon = item.find(':');
    const auto eq = item.find('=');
    if (colon != std::string::npos && (eq == std::string::npos || colon < eq)) {
      if (item.substr(0, colon) == mechanism) mine.push_back(item.substr(colon + 1));
    } else {
      mine.push_back(item);
    }
  }
  auto parsed = parse_param_assignments(mine);
  if (!parsed.ok()) return parsed.error().wrap(mechanism);
  return parsed;
}

}  // namespace privqa::cli
