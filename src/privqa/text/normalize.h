// Unicode normalization of words for lookups and counting.
#pragma once

#include <string>
#include <string_view>

namespace privqa {

// NFKC normalization plus Unicode case folding ("Heart" -> "heart",
// "Straße" -> "strasse"). Invalid UTF-8 is returned unchanged.
std::string fold_case(std::string_view word);

}  // namespace privqa
