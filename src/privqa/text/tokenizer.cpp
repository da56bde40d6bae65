#include "privqa/text/tokenizer.h"

#include <utf8proc.h>

namespace privqa {
namespace {

// One decoded code point; length 0 marks an invalid byte.
struct CodePoint {
  utf8proc_int32_t value = -1;
  size_t length = 0;
};

CodePoint decode_at(std::string_view s, size_t pos) {
  utf8proc_int32_t cp = -1;
  const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + pos),
                                  static_cast<utf8proc_ssize_t>(s.size() - pos), &cp);
  if (n <= 0) return {};
  return {cp, static_cast<size_t>(n)};
}

bool is_digit(utf8proc_int32_t cp) {
  return utf8proc_category(cp) == UTF8PROC_CATEGORY_ND;
}

// Letters, combining marks and numeric characters make up words.
bool is_word_char(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

bool is_space(utf8proc_int32_t cp) {
  if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x85) return true;
  const auto category = utf8proc_category(cp);
  return category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_ZL ||
         category == UTF8PROC_CATEGORY_ZP;
}

// Apostrophes and hyphens that may join two parts of a word.
bool is_word_joiner(utf8proc_int32_t cp) {
  return cp == '\'' || cp == 0x2019 || cp == '-' || cp == 0x2010 || cp == 0x2011;
}

// Separators that may join two digit runs of a number.
bool is_number_joiner(utf8proc_int32_t cp) {
  return cp == '.' || cp == ',';
}

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    const CodePoint first = decode_at(text, pos);
    if (first.length == 0) {
      tokens.push_back({TokenKind::kPunct, std::string(text.substr(pos, 1)), pos});
      ++pos;
      continue;
    }
    if (is_space(first.value)) {
      pos += first.length;
      for (CodePoint c = decode_at(text, pos); c.length > 0 && is_space(c.value);
           c = decode_at(text, pos)) {
        pos += c.length;
      }
      tokens.push_back({TokenKind::kSpace, std::string(text.substr(start, pos - start)), start});
      continue;
    }
    if (!is_word_char(first.value)) {
      tokens.push_back({TokenKind::kPunct, std::string(text.substr(pos, first.length)), pos});
      pos += first.length;
      continue;
    }
    // A word or number: word characters, possibly joined by one joiner between
    // two word characters. "." and "," join only digit runs ("3.5", "1,000");
    // a hyphen between two numbers separates them ("12-15").
    bool digits_only = is_digit(first.value);
    pos += first.length;
    while (pos < text.size()) {
      const CodePoint c = decode_at(text, pos);
      if (c.length == 0) break;
      if (is_word_char(c.value)) {
        digits_only = digits_only && is_digit(c.value);
        pos += c.length;
        continue;
      }
      const CodePoint next = decode_at(text, pos + c.length);
      if (next.length == 0 || !is_word_char(next.value)) break;
      const bool joins = is_number_joiner(c.value) ? digits_only && is_digit(next.value)
                         : is_word_joiner(c.value) ? !(digits_only && is_digit(next.value))
                                                   : false;
      if (!joins) break;
      digits_only = digits_only && is_digit(next.value) && is_number_joiner(c.value);
      pos += c.length + next.length;
    }
    tokens.push_back({digits_only ? TokenKind::kNumber : TokenKind::kWord,
                      std::string(text.substr(start, pos - start)), start});
  }
  return tokens;
}

bool is_single_word(std::string_view text) {
  const auto tokens = tokenize(text);
  return tokens.size() == 1 && tokens[0].kind == TokenKind::kWord;
}

std::string detokenize(const std::vector<Token>& tokens) {
  size_t total = 0;
  for (const Token& t : tokens)
    total += t.text.size();
  std::string out;
  out.reserve(total);
  for (const Token& t : tokens)
    out += t.text;
  return out;
}

}  // namespace privqa
