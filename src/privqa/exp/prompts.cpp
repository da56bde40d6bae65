#include "privqa/exp/prompts.h"

#include <set>

namespace privqa {

namespace {

struct TemplateRule {
  const char* name;
  std::set<std::string> required;
  std::set<std::string> allowed;
};

const std::vector<TemplateRule>& rules() {
  static const std::vector<TemplateRule> kRules = {
      {"system", {}, {}},
      {"answer", {"question", "options"}, {"question", "options", "context"}},
      {"answer_with_cot",
       {"question", "options", "cot"},
       {"question", "options", "cot", "context"}},
      {"cot", {"question"}, {"question", "context"}},
      {"cot_with_options", {"question", "options"}, {"question", "options", "context"}},
      {"paraphrase", {"question"}, {"question"}},
      {"paraphrase_medical", {"question"}, {"question"}},
      {"paraphrase_band", {"question", "low", "high"}, {"question", "low", "high"}},
      {"paraphrase_dp", {"question"}, {"question"}},
      {"reconstruct", {"question"}, {"question", "context"}},
      {"reconstruct_answer", {"question", "options"}, {"question", "options", "context"}},
  };
  return kRules;
}

// Names inside {...} that look like placeholders (letters and underscores).
std::set<std::string> placeholders(const std::string& text) {
  std::set<std::string> names;
  for (size_t open = text.find('{'); open != std::string::npos; open = text.find('{', open + 1)) {
    const size_t close = text.find('}', open);
    if (close == std::string::npos) break;
    const std::string name = text.substr(open + 1, close - open - 1);
    if (!name.empty() &&
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos) {
      names.insert(name);
    }
  }
  return names;
}

// `text` without the paragraphs that hold `needle`; paragraphs are the parts
// between "\n\n" separators, and the rest are joined as they were.
std::string without_paragraphs_holding(const std::string& text, std::string_view needle) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find("\n\n", start);
    if (end == std::string::npos) end = text.size();
    const std::string_view paragraph(text.data() + start, end - start);
    if (paragraph.find(needle) == std::string_view::npos) {
      if (!out.empty()) out += "\n\n";
      out += paragraph;
    }
    start = end + 2;
  }
  return out;
}

}  // namespace

Prompts default_prompts(bool passages) {
  // Where a passage goes: before the question it belongs to.
  const std::string question =
      passages ? "Context:\n{context}\n\nQuestion: {question}" : "Question: {question}";
  Prompts p;
  p.system = "You are a careful medical expert.";
  p.answer = "Answer the multiple-choice question below.\n\n" + question +
             "\n\n"
             "Options:\n{options}\n\n"
             "Reply with the letter of the correct option only, in the form \"Answer: X\".";
  p.answer_with_cot =
      "Answer the multiple-choice question below. An expert's notes on it come first; use them "
      "where they help.\n\n"
      "Reasoning:\n{cot}\n\n" +
      question +
      "\n\n"
      "Options:\n{options}\n\n"
      "Reply with the letter of the correct option only, in the form \"Answer: X\".";
  p.cot =
      "Think through the medical question below step by step: recall the relevant facts and "
      "explain what the answer is likely to be. Do not ask for more information.\n\n" +
      question;
  p.cot_with_options =
      "Think through the medical question below step by step: recall the relevant facts and "
      "explain which option is likely to be right. Do not ask for more information.\n\n" +
      question +
      "\n\n"
      "Options:\n{options}";
  p.paraphrase =
      "Paraphrase the question below so that it is more general: keep what is needed to answer "
      "it and remove names, ages, places, dates and other identifying details. Reply with the "
      "paraphrase only.\n\n"
      "Question: {question}";
  p.paraphrase_medical =
      "Paraphrase the question below. Keep every medical term and finding; remove only personal "
      "or identifying details such as names, ages, places and dates. Reply with the paraphrase "
      "only.\n\n"
      "Question: {question}";
  p.paraphrase_band =
      "Paraphrase the question below so that its meaning overlaps with the original only in "
      "part: aim for a semantic similarity between {low} and {high} on a scale from 0 (unrelated) "
      "to 1 (the same). Lower similarity means more general, with fewer specifics. Reply with "
      "the paraphrase only.\n\n"
      "Question: {question}";
  // A plain paraphrase: the privacy comes from the sampling temperature.
  p.paraphrase_dp =
      "Paraphrase the question below. Reply with the paraphrase only.\n\n"
      "Question: {question}";
  // The attacker is told what it is looking at, as a real adversary would
  // know the mechanism; the sanitized text takes the question's place.
  const std::string sanitized = passages ? "Context:\n{context}\n\nSanitized question: {question}"
                                         : "Sanitized question: {question}";
  p.reconstruct =
      "The question below was sanitized by a text privacy mechanism: some words were replaced "
      "by other words, or the question was paraphrased. Reconstruct the original medical "
      "question as exactly as you can. Reply with one line, in the form \"Question: ...\".\n\n" +
      sanitized;
  p.reconstruct_answer =
      "The question below was sanitized by a text privacy mechanism: some words were replaced "
      "by other words, or the question was paraphrased. Reconstruct the original medical "
      "question as exactly as you can, then answer it. Reply with two lines, in the form "
      "\"Question: ...\" and then \"Answer: X\" with the letter of the correct option (or the "
      "answer itself when no options are listed).\n\n" +
      sanitized +
      "\n\n"
      "Options:\n{options}";
  return p;
}

Status check_template(const std::string& name, const std::string& text) {
  for (const auto& rule : rules()) {
    if (name != rule.name) continue;
    const auto used = placeholders(text);
    for (const auto& p : used) {
      if (rule.allowed.count(p) == 0) {
        return Error("prompt '" + name + "' uses unknown placeholder {" + p + "}");
      }
    }
    for (const auto& p : rule.required) {
      if (used.count(p) == 0) {
        return Error("prompt '" + name + "' must contain the placeholder {" + p + "}");
      }
    }
    return Status::Ok();
  }
  return Error("unknown prompt '" + name + "'");
}

std::string render_template(const std::string& text,
                            const std::map<std::string, std::string>& values) {
  for (const char* name : {"context", "options"}) {
    const auto value = values.find(name);
    const std::string placeholder = std::string("{") + name + "}";
    if (value != values.end() && value->second.empty() &&
        text.find(placeholder) != std::string::npos) {
      auto rest = values;
      rest.erase(value->first);
      return render_template(without_paragraphs_holding(text, placeholder), rest);
    }
  }
  std::string out;
  out.reserve(text.size() + 256);
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find('{', pos);
    if (open == std::string::npos) break;
    const size_t close = text.find('}', open);
    if (close == std::string::npos) break;
    const auto it = values.find(text.substr(open + 1, close - open - 1));
    out.append(text, pos, open - pos);
    if (it != values.end()) {
      out += it->second;
    } else {
      out.append(text, open, close - open + 1);
    }
    pos = close + 1;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

std::string format_options(const std::vector<std::string>& options) {
  std::string out;
  for (size_t i = 0; i < options.size(); ++i) {
    if (i > 0) out += '\n';
    out += static_cast<char>('A' + i);
    out += ") ";
    out += options[i];
  }
  return out;
}

}  // namespace privqa
