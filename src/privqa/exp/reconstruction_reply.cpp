#include "privqa/exp/reconstruction_reply.h"

#include "privqa/base/strings.h"

namespace privqa {

namespace {

// Whether `line` starts with `label` (ASCII case-insensitive) after leading
// spaces; `rest` is what follows it.
bool starts_with_label(std::string_view line, std::string_view label, std::string_view& rest) {
  line = trim(line);
  if (line.size() < label.size()) return false;
  for (size_t i = 0; i < label.size(); ++i) {
    const char c = line[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != label[i]) return false;
  }
  rest = line.substr(label.size());
  return true;
}

}  // namespace

ReconstructionReply read_reconstruction_reply(std::string_view reply) {
  enum class Section { kNone, kQuestion, kAnswer };
  Section section = Section::kNone;
  std::string preamble, question, answer;
  bool seen_question = false;
  for (size_t start = 0; start <= reply.size();) {
    size_t end = reply.find('\n', start);
    if (end == std::string_view::npos) end = reply.size();
    std::string_view line = reply.substr(start, end - start);
    start = end + 1;
    std::string_view rest;
    if (starts_with_label(line, "question:", rest)) {
      section = Section::kQuestion;
      seen_question = true;
      question.clear();
      line = rest;
    } else if (starts_with_label(line, "answer:", rest)) {
      section = Section::kAnswer;
      answer.clear();
      line = rest;
    }
    std::string& target = section == Section::kQuestion ? question
                          : section == Section::kAnswer ? answer
                                                        : preamble;
    if (!target.empty()) target += '\n';
    target += line;
  }
  ReconstructionReply out;
  out.question = std::string(trim(seen_question ? question : preamble));
  out.answer = std::string(trim(answer));
  return out;
}

}  // namespace privqa
