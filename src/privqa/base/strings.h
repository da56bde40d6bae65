// Small string helpers shared by every module.
#pragma once

#include <string_view>

namespace privqa {

// ASCII whitespace, as isspace() in the C locale: space, \t, \n, \v, \f, \r.
// Input text is UTF-8; no other character counts as space anywhere in privqa.
bool is_ascii_space(char c);

// `text` without leading and trailing ASCII whitespace (a view into `text`).
std::string_view trim(std::string_view text);

}  // namespace privqa
