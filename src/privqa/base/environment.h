// Reading configuration values from the environment.
#pragma once

#include <string>
#include <string_view>

#include "privqa/base/result.h"

namespace privqa {

// `text` with each ${VAR} replaced by the environment variable's value; an
// unset or empty variable, or an unclosed "${", is an error naming it.
Result<std::string> expand_environment(std::string_view text);

}  // namespace privqa
