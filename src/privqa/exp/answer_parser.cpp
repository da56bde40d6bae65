#include "privqa/exp/answer_parser.h"

// g++ 12 at -O2 reports -Wmaybe-uninitialized inside <regex>'s own
// std::function members when a pattern is compiled (GCC bug 105562, a false
// positive); the warning is about the library's code, not this file's.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

namespace privqa {

namespace {

// Markdown emphasis, headings and code marks removed; whitespace collapsed.
std::string strip_markdown(std::string_view reply) {
  std::string out;
  out.reserve(reply.size());
  bool space = false;
  for (const char c : reply) {
    if (c == '*' || c == '_' || c == '#' || c == '`') continue;
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Letter at `pos` of `text` as an option index, or -1. A lower-case "a"
// followed by a word is the article ("the answer is a benign tumour").
int letter_index(const std::string& text, size_t pos, size_t n_options) {
  const char c = text[pos];
  if (c == 'a' && pos + 2 < text.size() && text[pos + 1] == ' ' &&
      std::isalpha(static_cast<unsigned char>(text[pos + 2]))) {
    return -1;
  }
  const int index = std::toupper(static_cast<unsigned char>(c)) - 'A';
  return index >= 0 && static_cast<size_t>(index) < n_options ? index : -1;
}

int last_statement(const std::string& text, size_t n_options) {
  // "answer is C", "final answer: (c)", "correct option would be D", "answer - B".
  static const std::regex kAnswerThenLetter(
      R"((?:answer|correct option|correct choice|best option|best choice|right option|)"
      R"(i (?:would |will |')?(?:choose|pick|select|go with))s?)"
      R"(\s*(?:is|would be|will be|should be|=|:|-)?\s*[:\-]?\s*(?:option|choice)?\s*)"
      R"([\(\[]?\s*([a-z])\s*[\)\]]?(?![a-z0-9'\-]))",
      std::regex::icase);
  // "C is correct", "(D) is the right answer" (upper case only: "a is" is prose).
  static const std::regex kLetterThenCorrect(
      R"((?:^|[^A-Za-z0-9])\(?([A-Z])\)?\s*(?:is|would be)\s+(?:the\s+)?(?:correct|right|best))");
  // "answer is A and C": a statement naming several letters names none.
  static const std::regex kMoreLetters(
      R"(^\s*\)?\s*(?:,|and|&|or|/)\s*\(?[A-Z]\)?(?![A-Za-z0-9]))");
  int best = -1;
  std::ptrdiff_t best_pos = -1;
  for (const auto* re : {&kAnswerThenLetter, &kLetterThenCorrect}) {
    for (auto it = std::sregex_iterator(text.begin(), text.end(), *re);
         it != std::sregex_iterator(); ++it) {
      const auto pos = static_cast<size_t>(it->position(1));
      if (std::regex_search(text.begin() + static_cast<std::ptrdiff_t>(pos) + 1, text.end(),
                            kMoreLetters)) {
        continue;
      }
      const int index = letter_index(text, pos, n_options);
      if (index >= 0 && static_cast<std::ptrdiff_t>(pos) > best_pos) {
        best = index;
        best_pos = static_cast<std::ptrdiff_t>(pos);
      }
    }
  }
  return best;
}

int single_marker(const std::string& text, size_t n_options) {
  // "(C)", "C)" and "option C", upper case so that prose such as "a)" lists
  // in lower case and the article "a" are not taken as letters.
  static const std::regex kMarker(
      R"(\(([A-Z])\)|(?:^|[^A-Za-z0-9(])([A-Z])\)|\b[Oo]ption\s+([A-Za-z])(?![A-Za-z0-9]))");
  std::set<int> seen;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kMarker);
       it != std::sregex_iterator(); ++it) {
    for (int g = 1; g <= 3; ++g) {
      if (!(*it)[g].matched) continue;
      const int index = letter_index(text, static_cast<size_t>(it->position(g)), n_options);
      if (index >= 0) seen.insert(index);
    }
  }
  return seen.size() == 1 ? *seen.begin() : -1;
}

int lone_letter(const std::string& text, size_t n_options) {
  std::string core;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) core += c;
  }
  if (core.size() != 1 || !std::isalpha(static_cast<unsigned char>(core[0]))) return -1;
  // Only brackets and final punctuation may surround the letter.
  for (const char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("()[]. :!").find(c) == std::string_view::npos) {
      return -1;
    }
  }
  const int index = std::toupper(static_cast<unsigned char>(core[0])) - 'A';
  return index >= 0 && static_cast<size_t>(index) < n_options ? index : -1;
}

int option_text(const std::string& text, const std::vector<std::string>& options) {
  const std::string reply = lower(text);
  std::vector<std::string> texts;
  for (const auto& o : options)
    texts.push_back(lower(strip_markdown(o)));
  std::vector<int> contained;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (texts[i].empty()) continue;
    if (reply == texts[i]) return static_cast<int>(i);
    if (reply.find(texts[i]) != std::string::npos) contained.push_back(static_cast<int>(i));
  }
  // An option that is part of a longer matched option ("Vitamin A" within
  // "Vitamin A and D") does not count on its own.
  std::erase_if(contained, [&](int i) {
    return std::any_of(contained.begin(), contained.end(), [&](int j) {
      return j != i &&
             texts[static_cast<size_t>(j)].size() > texts[static_cast<size_t>(i)].size() &&
             texts[static_cast<size_t>(j)].find(texts[static_cast<size_t>(i)]) != std::string::npos;
    });
  });
  return contained.size() == 1 ? contained[0] : -1;
}

}  // namespace

ParsedAnswer parse_answer(std::string_view reply, const std::vector<std::string>& options) {
  const std::string text = strip_markdown(reply);
  const size_t n = options.size();
  if (int i = last_statement(text, n); i >= 0) return {i, "statement"};
  if (int i = single_marker(text, n); i >= 0) return {i, "marker"};
  if (int i = lone_letter(text, n); i >= 0) return {i, "letter"};
  if (int i = option_text(text, options); i >= 0) return {i, "option_text"};
  return {-1, "unparsed"};
}

}  // namespace privqa
