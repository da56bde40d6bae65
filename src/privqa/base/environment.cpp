#include "privqa/base/environment.h"

#include <cstdlib>

namespace privqa {

Result<std::string> expand_environment(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  for (std::size_t open; (open = text.find("${", pos)) != std::string_view::npos;) {
    const std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) return Error("unclosed ${ in '" + std::string(text) + "'");
    const std::string variable(text.substr(open + 2, close - open - 2));
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr || *value == '\0') {
      return Error("environment variable " + variable + " is not set");
    }
    out.append(text.substr(pos, open - pos));
    out += value;
    pos = close + 1;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace privqa
