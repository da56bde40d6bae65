// Small string helpers shared by every module.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace privqa {

// ASCII whitespace, as isspace() in the C locale: space, \t, \n, \v, \f, \r.
// Input text is UTF-8; no other character counts as space anywhere in privqa.
bool is_ascii_space(char c);

// `text` without leading and trailing ASCII whitespace (a view into `text`).
std::string_view trim(std::string_view text);

// The tokens counted for a text whose tokenizer is unknown (the simulator's
// usage, a reply that reports none): one per four bytes of UTF-8, rounded
// up, a common rule of thumb for English prose.
size_t estimate_tokens(std::string_view text);

// XXH3-128 of `bytes` as 32 lowercase hex digits: the identity of a config,
// of a question file's contents, of a cached request.
std::string hash128_hex(std::string_view bytes);

// `text` with every occurrence of `what` replaced by `with`, left to right,
// without rescanning the replacements; an empty `what` replaces nothing.
std::string replace_all(std::string text, std::string_view what, std::string_view with);

// Follows a JSON text one character at a time and tells the characters of its
// string literals (quotes included) from the structure around them, so that a
// scan for brackets and commas skips those inside strings.
class JsonLiteralTracker {
 public:
  // Whether `c`, the text's next character, belongs to a string literal.
  bool in_literal(char c);

 private:
  bool in_string_ = false;
  bool escaped_ = false;
};

}  // namespace privqa
