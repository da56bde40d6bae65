#include "privqa/sim/prompt.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <utility>

#include "privqa/base/strings.h"
#include "privqa/text/normalize.h"
#include "privqa/text/tokenizer.h"

namespace privqa::sim {

namespace {

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains_any(const std::string& lowered, std::initializer_list<const char*> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](const char* needle) { return lowered.find(needle) != std::string::npos; });
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const std::string& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// "A) text", "B. text", "(C) text", "[D] text", "E: text" -> ('A', "text").
std::optional<std::pair<char, std::string>> option_line(const std::string& line) {
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string::npos) return std::nullopt;
  if (line[i] == '(' || line[i] == '[') ++i;
  if (i >= line.size() || line[i] < 'A' || line[i] > 'J') return std::nullopt;
  const char letter = line[i++];
  while (i < line.size() && line[i] == ' ')
    ++i;
  if (i >= line.size() || std::string_view(")].:").find(line[i]) == std::string_view::npos) {
    return std::nullopt;
  }
  ++i;
  if (i >= line.size() || (line[i] != ' ' && line[i] != '\t')) return std::nullopt;
  std::string text = std::string(trim(std::string_view(line).substr(i)));
  if (text.empty()) return std::nullopt;
  return std::pair{letter, std::move(text)};
}

// If `line` starts with one of `labels` (any case) followed by ':', the text after the colon.
std::optional<std::string> labelled(const std::string& line,
                                    std::initializer_list<std::string_view> labels) {
  const std::string lowered = ascii_lower(line);
  const size_t start = lowered.find_first_not_of(" \t");
  if (start == std::string::npos) return std::nullopt;
  for (std::string_view label : labels) {
    if (lowered.compare(start, label.size(), label) != 0) continue;
    size_t i = start + label.size();
    while (i < lowered.size() && lowered[i] == ' ')
      ++i;
    if (i < lowered.size() && lowered[i] == ':')
      return std::string(trim(std::string_view(line).substr(i + 1)));
  }
  return std::nullopt;
}

const std::initializer_list<std::string_view> kReasoningLabels = {"reasoning",
                                                                  "chain of thought",
                                                                  "chain-of-thought",
                                                                  "expert reasoning",
                                                                  "expert analysis",
                                                                  "analysis",
                                                                  "hint",
                                                                  "explanation",
                                                                  "cot"};
const std::initializer_list<std::string_view> kSectionEndLabels = {"question", "sanitized question",
                                                                   "options", "choices"};
// A passage the question is about: not part of the question's wording.
const std::initializer_list<std::string_view> kContextLabels = {"context", "passage", "abstract"};
const std::initializer_list<std::string_view> kSourceLabels = {
    "question", "sanitized question", "text", "original", "sentence", "input"};

constexpr std::string_view kVariantWords[] = {"paraphras", "rephras", "variant", "version",
                                              "rewrit"};

// K in "give 10 paraphrases", "5 different rephrasings", "3 variants": a number
// of 1-3 digits at most three words before a word naming the variants.
std::optional<int> requested_count(const std::string& lowered) {
  std::vector<std::string> words;
  std::string current;
  for (char c : lowered + " ") {
    if (c == ' ' || c == '\n' || c == '\t') {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  for (size_t j = 0; j < words.size(); ++j) {
    const bool names_variants =
        std::any_of(std::begin(kVariantWords), std::end(kVariantWords),
                    [&](std::string_view stem) { return words[j].starts_with(stem); });
    if (!names_variants) continue;
    for (size_t back = 1; back <= 4 && back <= j; ++back) {
      const std::string& w = words[j - back];
      if (!w.empty() && w.size() <= 3 &&
          std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::stoi(w);
      }
    }
  }
  return std::nullopt;
}

bool mentions_paraphrase(const std::string& lowered) {
  return contains_any(lowered, {"paraphras", "rephras"});
}

// The text a paraphrase request wants paraphrased, from its last non-assistant message.
std::string paraphrase_source(const std::string& message) {
  const auto lines = split_lines(message);
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto rest = labelled(lines[i], kSourceLabels);
    if (!rest) continue;
    std::vector<std::string> parts = {*rest};
    for (size_t j = i + 1; j < lines.size() && !trim(lines[j]).empty(); ++j) {
      parts.push_back(std::string(trim(lines[j])));
    }
    std::string source = join(parts, " ");
    if (!source.empty()) return source;
  }
  // The longest double-quoted span, if any is long enough to be a question.
  std::string best;
  for (size_t open = message.find('"'); open != std::string::npos;) {
    const size_t close = message.find('"', open + 1);
    if (close == std::string::npos) break;
    if (close - open - 1 > best.size()) best = message.substr(open + 1, close - open - 1);
    open = message.find('"', close + 1);
  }
  if (best.size() >= 10) return std::string(trim(best));
  // Otherwise the last paragraph that is not the instruction itself.
  std::vector<std::string> paragraphs;
  std::vector<std::string> current;
  for (const std::string& line : lines) {
    if (trim(line).empty()) {
      if (!current.empty()) paragraphs.push_back(join(current, " "));
      current.clear();
    } else {
      current.push_back(std::string(trim(line)));
    }
  }
  if (!current.empty()) paragraphs.push_back(join(current, " "));
  for (auto it = paragraphs.rbegin(); it != paragraphs.rend(); ++it) {
    if (!mentions_paraphrase(ascii_lower(*it))) return *it;
  }
  return std::string(trim(message));
}

}  // namespace

const char* request_kind_name(RequestKind kind) {
  switch (kind) {
    case RequestKind::kAnswer:
      return "answer";
    case RequestKind::kCot:
      return "cot";
    case RequestKind::kParaphrase:
      return "paraphrase";
    case RequestKind::kReconstruct:
      return "reconstruct";
  }
  return "?";
}

std::string normalized_words(const std::string& text) {
  std::string out;
  for (const Token& token : tokenize(text)) {
    if (token.kind != TokenKind::kWord && token.kind != TokenKind::kNumber) continue;
    if (!out.empty()) out += ' ';
    out += fold_case(token.text);
  }
  return out;
}

int named_option(const std::string& reasoning, const std::vector<std::string>& options) {
  const std::string haystack = fmt::format(" {} ", normalized_words(reasoning));
  int best = -1;
  size_t best_end = 0;
  size_t best_length = 0;
  for (size_t i = 0; i < options.size(); ++i) {
    const std::string needle = normalized_words(options[i]);
    if (needle.empty()) continue;
    const size_t pos = haystack.rfind(" " + needle + " ");
    if (pos == std::string::npos) continue;
    const size_t end = pos + needle.size();
    if (best < 0 || end > best_end || (end == best_end && needle.size() > best_length)) {
      best = static_cast<int>(i);
      best_end = end;
      best_length = needle.size();
    }
  }
  return best;
}

PromptAnalysis analyze_prompt(const std::vector<ChatMessage>& messages) {
  PromptAnalysis analysis;
  std::vector<std::string> prompt_parts;
  std::vector<std::string> question_parts;
  std::vector<std::string> reasoning_parts;
  std::vector<std::string> context_parts;
  std::string last_message;
  for (const ChatMessage& message : messages) {
    if (message.role == "assistant") {
      reasoning_parts.push_back(std::string(trim(message.content)));
      continue;
    }
    last_message = message.content;
    enum class Section { kQuestion, kReasoning, kContext } section = Section::kQuestion;
    for (const std::string& line : split_lines(message.content)) {
      const auto option = option_line(line);
      if (option && option->first == static_cast<char>('A' + analysis.options.size())) {
        analysis.options.push_back(option->second);
        prompt_parts.push_back(line);
        section = Section::kQuestion;
        continue;
      }
      if (labelled(line, kSectionEndLabels)) section = Section::kQuestion;
      if (const auto reasoning = labelled(line, kReasoningLabels)) {
        section = Section::kReasoning;
        reasoning_parts.push_back(*reasoning);
        prompt_parts.push_back(line);
        continue;
      }
      if (const auto context = labelled(line, kContextLabels)) {
        section = Section::kContext;
        context_parts.push_back(*context);
        continue;
      }
      switch (section) {
        case Section::kQuestion:
          question_parts.push_back(std::string(trim(line)));
          break;
        case Section::kReasoning:
          reasoning_parts.push_back(std::string(trim(line)));
          break;
        case Section::kContext:
          context_parts.push_back(std::string(trim(line)));
          continue;
      }
      prompt_parts.push_back(line);
    }
  }
  analysis.supplied_context = std::string(trim(join(context_parts, "\n")));
  const std::string prompt = join(prompt_parts, "\n");
  const std::string lowered = ascii_lower(prompt);
  analysis.wants_reasoning =
      contains_any(lowered, {"step by step", "step-by-step", "explain", "think through",
                             "show your reasoning", "reason through", "justify"});

  if (lowered.find("reconstruct") != std::string::npos) {
    analysis.kind = RequestKind::kReconstruct;
    analysis.reconstruction_source = paraphrase_source(last_message);
    analysis.question_text = analysis.reconstruction_source;
    // The instructions, not the sanitized text, say whether to answer.
    std::string instructions = lowered;
    const std::string source = ascii_lower(analysis.reconstruction_source);
    if (const size_t at = instructions.find(source); !source.empty() && at != std::string::npos) {
      instructions.erase(at, source.size());
    }
    analysis.wants_answer = instructions.find("answer") != std::string::npos;
    return analysis;
  }
  if (mentions_paraphrase(lowered)) {
    analysis.kind = RequestKind::kParaphrase;
    analysis.paraphrase_source = paraphrase_source(last_message);
    analysis.question_text = analysis.paraphrase_source;
    if (const auto count = requested_count(lowered)) {
      analysis.paraphrases_per_reply = std::clamp(*count, 1, 50);
    }
    analysis.options.clear();
    return analysis;
  }
  if (analysis.options.size() >= 2 && lowered.find("letter") != std::string::npos) {
    analysis.kind = RequestKind::kAnswer;
    analysis.question_text = join(question_parts, "\n");
    analysis.supplied_reasoning = join(reasoning_parts, "\n");
    return analysis;
  }
  analysis.kind = RequestKind::kCot;
  analysis.question_text = prompt;
  analysis.options.clear();
  return analysis;
}

}  // namespace privqa::sim
