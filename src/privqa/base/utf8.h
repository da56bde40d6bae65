// UTF-8 validity, for reporting bad bytes in input files precisely.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace privqa {

// Byte offset of the first byte that does not start a well-formed UTF-8
// sequence (overlong forms and surrogates count as ill-formed), or npos.
size_t find_invalid_utf8(std::string_view text);

// `text` with each ill-formed byte replaced by U+FFFD.
std::string replace_invalid_utf8(std::string_view text);

// At most `max_bytes` of `text` (cut on a code point boundary), with "..."
// appended when cut: for quoting input in error messages.
std::string snippet(std::string_view text, size_t max_bytes = 80);

}  // namespace privqa
