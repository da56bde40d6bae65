// UTF-8 word tokenizer with byte offsets, and its inverse.
//
// Every byte of the input belongs to exactly one token, so
// detokenize(tokenize(s)) == s for every input, and a mechanism that replaces
// word tokens leaves punctuation and spacing untouched.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace privqa {

enum class TokenKind { kWord, kNumber, kPunct, kSpace };

struct Token {
  TokenKind kind;
  std::string text;
  size_t offset;  // byte offset of the token in the source text
};

// Words: runs of letters/digits (and combining marks) with inner apostrophes
// or hyphens ("x-ray", "don't", "COVID-19"). Numbers: digit runs with inner
// '.' or ',' ("12", "3.5", "1,000"). Whitespace runs are one kSpace token.
// Everything else is punctuation, one code point per token. Invalid UTF-8
// bytes become single-byte kPunct tokens (never lost).
std::vector<Token> tokenize(std::string_view utf8_text);

// True when `text` is exactly one word token: "x-ray" and "don't" are;
// punctuation (">"), fragments ("'s", "u.s."), numbers ("1990") and "" are not.
bool is_single_word(std::string_view text);

// Concatenates the token texts.
std::string detokenize(const std::vector<Token>& tokens);

}  // namespace privqa
