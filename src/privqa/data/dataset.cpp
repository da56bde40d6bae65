#include "privqa/data/dataset.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>
#include <unordered_map>
#include <variant>

#include "privqa/base/files.h"
#include "privqa/base/strings.h"
#include "privqa/base/utf8.h"
#include "privqa/data/records.h"

namespace privqa {

namespace {

using data_internal::RawRecord;
using nlohmann::json;

// A FieldMapping plus the checks a known format adds.
struct Schema {
  FieldMapping mapping;
  bool minus_one_unlabelled = false;  // MedMCQA/HuggingFace: cop -1 = unlabelled
  std::string answer_text_field;      // MedQA: must equal the option the answer names
};

std::string type_problem(const json& value, const char* expected) {
  return std::string("expected ") + expected + ", got " + value.type_name();
}

// Scalar JSON values as text: strings as they are, numbers and booleans as
// JSON writes them. Null, arrays and objects have no text.
std::optional<std::string> scalar_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  return std::nullopt;
}

using Converted = std::variant<Question, Problem>;

Problem problem(size_t line, std::string field, std::string reason, std::string detail) {
  return Problem{line, std::move(field), std::move(reason), std::move(detail)};
}

// Reads the options of a record into q.options, or returns the problem.
std::optional<Problem> read_options(const RawRecord& r, const FieldMapping& m, Question& q) {
  const json& f = r.fields;
  if (!m.choices.empty()) {
    q.options = m.choices;
    return std::nullopt;
  }
  if (!m.option_fields.empty()) {
    for (const auto& name : m.option_fields) {
      if (!f.contains(name) || f[name].is_null()) {
        return problem(r.line, name, "missing option",
                       f.contains(name) ? "option is null" : "option field is missing");
      }
      const auto text = scalar_text(f[name]);
      if (!text) return problem(r.line, name, "wrong type", type_problem(f[name], "a string"));
      if (trim(*text).empty()) return problem(r.line, name, "missing option", "option is empty");
      q.options.push_back(*text);
    }
    return std::nullopt;
  }
  const std::string& name = m.options_object;
  if (!f.contains(name) || f[name].is_null()) {
    return problem(r.line, name, "missing field", "the options field is missing or null");
  }
  const json& opts = f[name];
  if (opts.is_array()) {
    for (size_t i = 0; i < opts.size(); ++i) {
      const auto text = scalar_text(opts[i]);
      const std::string where = name + "[" + std::to_string(i) + "]";
      if (!text) return problem(r.line, where, "missing option", type_problem(opts[i], "a string"));
      if (trim(*text).empty()) return problem(r.line, where, "missing option", "option is empty");
      q.options.push_back(*text);
    }
  } else if (opts.is_object()) {
    // Keys must be A, B, C, ... with no gap.
    for (size_t i = 0; i < opts.size(); ++i) {
      const std::string letter(1, static_cast<char>('A' + i));
      const std::string where = name + "." + letter;
      if (!opts.contains(letter)) {
        return problem(
            r.line, where, "missing option",
            "options must be keyed A, B, C, ... without gaps; " + letter + " is missing");
      }
      const auto text = scalar_text(opts[letter]);
      if (!text) {
        return problem(r.line, where, "missing option", type_problem(opts[letter], "a string"));
      }
      if (trim(*text).empty()) return problem(r.line, where, "missing option", "option is empty");
      q.options.push_back(*text);
    }
  } else {
    return problem(r.line, name, "wrong type", type_problem(opts, "an object or an array"));
  }
  if (q.options.size() < 2) {
    return problem(r.line, name, "too few options",
                   std::string(q.options.empty() ? "no options" : "only 1 option") +
                       "; a question needs at least 2");
  }
  return std::nullopt;
}

// Reads the answer of a record into q.answer, or returns the problem.
std::optional<Problem> read_answer(const RawRecord& r, const Schema& s, Question& q) {
  const FieldMapping& m = s.mapping;
  if (m.answer.empty()) return std::nullopt;
  const json& f = r.fields;
  if (!f.contains(m.answer) || f[m.answer].is_null()) {
    return problem(r.line, m.answer, "missing answer",
                   f.contains(m.answer) ? "answer is null" : "answer field is missing");
  }
  const json& value = f[m.answer];
  const int n = static_cast<int>(q.options.size());
  switch (m.answer_encoding) {
    case AnswerEncoding::kLetter: {
      const auto text = scalar_text(value);
      const std::string letter = text ? std::string(trim(*text)) : "";
      if (letter.size() != 1 || !std::isalpha(static_cast<unsigned char>(letter[0]))) {
        return problem(r.line, m.answer, "invalid answer",
                       "expected an option letter, got " + snippet(value.dump()));
      }
      const int index = std::toupper(static_cast<unsigned char>(letter[0])) - 'A';
      if (index >= n) {
        return problem(
            r.line, m.answer, "answer out of range",
            "letter " + letter + " names no option (there are " + std::to_string(n) + ")");
      }
      q.answer = index;
      break;
    }
    case AnswerEncoding::kZeroBased:
    case AnswerEncoding::kOneBased: {
      long long number = 0;
      if (value.is_number_unsigned() &&
          value.get<unsigned long long>() >
              static_cast<unsigned long long>(std::numeric_limits<long long>::max())) {
        // Read as long long it would wrap around (to -1, say: "unlabelled").
        return problem(r.line, m.answer, "answer out of range",
                       "value " + value.dump() + " is not an option number");
      }
      if (value.is_number_integer()) {
        number = value.get<long long>();
      } else if (value.is_string()) {
        const std::string text = std::string(trim(value.get<std::string>()));
        size_t used = 0;
        try {
          number = std::stoll(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (text.empty() || used != text.size()) {
          return problem(r.line, m.answer, "invalid answer",
                         "expected an option number, got " + snippet(value.dump()));
        }
      } else {
        return problem(r.line, m.answer, "invalid answer", type_problem(value, "an integer"));
      }
      if (number == -1 && s.minus_one_unlabelled) {
        q.answer = -1;
        break;
      }
      const int base = m.answer_encoding == AnswerEncoding::kOneBased ? 1 : 0;
      if (number < base || number >= base + n) {
        return problem(r.line, m.answer, "answer out of range",
                       "value " + std::to_string(number) + " is outside " + std::to_string(base) +
                           ".." + std::to_string(base + n - 1));
      }
      q.answer = static_cast<int>(number - base);
      break;
    }
    case AnswerEncoding::kOptionText: {
      const auto text = scalar_text(value);
      if (!text) return problem(r.line, m.answer, "invalid answer", type_problem(value, "text"));
      const std::string wanted = std::string(trim(*text));
      int found = -1;
      for (int i = 0; i < n; ++i) {
        if (trim(q.options[static_cast<size_t>(i)]) != wanted) continue;
        if (found >= 0) {
          return problem(r.line, m.answer, "invalid answer",
                         "the answer text matches more than one option");
        }
        found = i;
      }
      if (found < 0) {
        return problem(r.line, m.answer, "invalid answer",
                       "the answer text matches no option: " + snippet(wanted));
      }
      q.answer = found;
      break;
    }
  }
  if (!s.answer_text_field.empty() && q.answer >= 0 && f.contains(s.answer_text_field)) {
    const auto text = scalar_text(f[s.answer_text_field]);
    if (text && trim(*text) != trim(q.options[static_cast<size_t>(q.answer)])) {
      return problem(r.line, s.answer_text_field, "inconsistent answer",
                     "the answer text differs from option " + std::string(1, q.answer_letter()) +
                         " named by '" + m.answer + "'");
    }
  }
  return std::nullopt;
}

// The passage: a string, or a list of strings (paragraphs) joined with
// newlines. A record without the field, or with null, has none.
std::optional<Problem> read_context(const RawRecord& r, const FieldMapping& m, Question& q) {
  if (m.context.empty() || !r.fields.contains(m.context)) return std::nullopt;
  const json& value = r.fields[m.context];
  if (value.is_null()) return std::nullopt;
  if (value.is_string()) {
    q.context = std::string(trim(value.get<std::string>()));
    return std::nullopt;
  }
  if (!value.is_array()) {
    return problem(r.line, m.context, "wrong type", type_problem(value, "a string or a list"));
  }
  q.context.clear();
  for (const json& item : value) {
    if (!item.is_string()) {
      return problem(r.line, m.context, "wrong type",
                     "every passage of the list must be a string, got " + snippet(item.dump()));
    }
    const std::string_view text = trim(item.get_ref<const std::string&>());
    if (text.empty()) continue;
    if (!q.context.empty()) q.context += '\n';
    q.context += text;
  }
  return std::nullopt;
}

Converted convert(const RawRecord& r, const Schema& s) {
  const FieldMapping& m = s.mapping;
  const json& f = r.fields;
  Question q;

  if (m.id.empty()) {
    q.id = std::to_string(r.ordinal);
  } else {
    const auto id = f.contains(m.id) ? scalar_text(f[m.id]) : std::nullopt;
    if (!id || trim(*id).empty()) return problem(r.line, m.id, "missing id", "no id");
    q.id = *id;
  }

  if (!f.contains(m.question) || f[m.question].is_null()) {
    return problem(r.line, m.question, "empty question", "the question field is missing or null");
  }
  if (!f[m.question].is_string()) {
    return problem(r.line, m.question, "wrong type", type_problem(f[m.question], "a string"));
  }
  q.text = f[m.question].get<std::string>();
  if (trim(q.text).empty()) return problem(r.line, m.question, "empty question", "empty text");

  if (auto p = read_options(r, m, q)) return *p;
  if (auto p = read_answer(r, s, q)) return *p;

  for (const auto* field : {&m.subject, &m.topic}) {
    if (field->empty() || !f.contains(*field) || f[*field].is_null()) continue;
    const auto text = scalar_text(f[*field]);
    if (!text) return problem(r.line, *field, "wrong type", type_problem(f[*field], "a string"));
    (field == &m.subject ? q.subject : q.topic) = *text;
  }
  if (auto p = read_context(r, m, q)) return *p;

  std::set<std::string> used = {m.id,      m.question, m.options_object, m.answer,
                                m.subject, m.topic,    m.context};
  used.insert(m.option_fields.begin(), m.option_fields.end());
  for (const auto& [key, value] : f.items()) {
    if (used.count(key) != 0) continue;
    if (auto text = scalar_text(value)) q.meta[key] = *text;
  }
  return q;
}

FieldMapping medmcqa_mapping(int answer_base) {
  FieldMapping m;
  m.id = "id";
  m.question = "question";
  m.option_fields = {"opa", "opb", "opc", "opd"};
  m.answer = "cop";
  m.answer_encoding = answer_base == 0 ? AnswerEncoding::kZeroBased : AnswerEncoding::kOneBased;
  m.subject = "subject_name";
  m.topic = "topic_name";
  return m;
}

FieldMapping medqa_mapping() {
  FieldMapping m;
  m.question = "question";
  m.options_object = "options";
  m.answer = "answer_idx";
  m.answer_encoding = AnswerEncoding::kLetter;
  return m;
}

constexpr const char* kMappingExample = "(question=...,options=...,answer=...)";

// The end of "... needs a field mapping": how to give one, when the caller can.
std::string mapping_advice(const LoadSettingNames& names) {
  if (names.mapping.empty()) return "";
  return std::string("; give one with ") + names.mapping + " " + kMappingExample;
}

// What the records' `cop` values say of their base, gathered one record at
// a time.
struct AnswerBaseEvidence {
  bool zero = false, four = false, labelled = false;
  void add(const RawRecord& r) {
    const auto it = r.fields.find("cop");
    if (it == r.fields.end() || !it->is_number_integer()) return;
    const auto v = it->get<long long>();
    zero |= v == 0;
    four |= v == 4;
    labelled |= v != -1;
  }
};

// The `cop` base of a MedMCQA file: 0 if some record says 0, 1 if some says
// 4; with neither (or both) the file does not tell, and we refuse to guess.
Result<int> detect_answer_base(const std::filesystem::path& path, const AnswerBaseEvidence& cop,
                               const LoadSettingNames& names) {
  if (cop.zero && !cop.four) return 0;
  if (cop.four && !cop.zero) return 1;
  if (!cop.labelled) return 0;  // only -1 (unlabelled): the base does not matter
  const std::string why = cop.zero ? "both 0 and 4 occur" : "only values 1..3 occur";
  std::string message = path.string() +
                        ": cannot tell whether 'cop' counts from 0 (HuggingFace copy) or from 1 "
                        "(original MedMCQA release): " +
                        why;
  if (!names.answer_base.empty()) message += "; set " + names.answer_base + " to 0 or 1";
  return Error(message);
}

// Without answers, a record is recognised by its options alone.
Result<DatasetFormat> detect_format(const std::filesystem::path& path, const RawRecord* first,
                                    const LoadOptions& options) {
  if (first == nullptr) {
    return Error(path.string() + ": no valid record to recognise the format from");
  }
  const json& f = first->fields;
  const bool answers = options.read_answers;
  if (f.contains("opa") && (!answers || f.contains("cop"))) return DatasetFormat::kMedMCQA;
  if (f.contains("options") && (!answers || f.contains("answer_idx"))) return DatasetFormat::kMedQA;
  std::string message = path.string() + ":" + std::to_string(first->line) +
                        (answers ? ": not a MedMCQA record (question, opa..opd, cop) nor a MedQA "
                                   "record (question, options, answer_idx)"
                                 : ": not a MedMCQA record (question, opa..opd) nor a MedQA "
                                   "record (question, options)");
  const LoadSettingNames& names = options.setting_names;
  if (!names.format.empty() && !names.mapping.empty()) {
    message += "; set " + names.format + " to jsonl or csv and give a field mapping with " +
               names.mapping + " " + kMappingExample;
  }
  return Error(message);
}

void count_fields(const RawRecord& r, std::map<std::string, FieldStats>& out) {
  for (const auto& [key, value] : r.fields.items()) {
    FieldStats& s = out[key];
    ++s.present;
    if (value.is_null()) ++s.null;
    if (value.is_string() && trim(value.get<std::string>()).empty()) ++s.empty;
  }
}

// A header row names fields; a row with a number, a sentence or a question
// for a name is data.
bool looks_like_data(const std::string& name) {
  const std::string_view n = trim(name);
  const bool number = !n.empty() && n.find_first_not_of("0123456789.-+") == std::string_view::npos;
  return number || n.size() > 40 || n.find('?') != std::string_view::npos ||
         n.find(". ") != std::string_view::npos;
}

bool is_column_number(const std::string& name) {
  return !name.empty() && name.find_first_not_of("0123456789") == std::string::npos;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "'" : ", '") + snippet(n, 40) + "'";
  return out;
}

// Dataset::diagnosis of a load that skipped most records.
// `first`: the file's first record, null when none parsed.
std::string diagnose(const Dataset& d, const RawRecord* first, const FieldMapping& m,
                     DatasetFormat format) {
  std::vector<std::string> wanted = {m.id, m.question};
  wanted.insert(wanted.end(), m.option_fields.begin(), m.option_fields.end());
  wanted.push_back(m.options_object);
  wanted.push_back(m.answer);
  std::vector<std::string> missing, present;
  for (const auto& name : wanted) {
    if (!name.empty() && d.fields.count(name) == 0) missing.push_back(name);
  }
  for (const auto& [name, stats] : d.fields)
    present.push_back(name);
  const bool numbered =
      !missing.empty() && std::all_of(missing.begin(), missing.end(), is_column_number);
  if (format == DatasetFormat::kCsv && !missing.empty()) {
    if (m.csv_header && numbered) {
      return "the mapping names columns by number (" + joined(missing) +
             "), which needs header=false";
    }
    if (m.csv_header && std::any_of(present.begin(), present.end(), looks_like_data)) {
      return "no column is named " + joined(missing) + ": the first row looks like data (" +
             joined(present) + "): header=false?";
    }
    if (!m.csv_header && !numbered && first != nullptr) {
      std::vector<std::string> first_row;
      for (const auto& [key, value] : first->fields.items()) {
        if (value.is_string()) first_row.push_back(value.get<std::string>());
      }
      const bool names_in_first_row =
          std::any_of(missing.begin(), missing.end(), [&](const std::string& name) {
            return std::find(first_row.begin(), first_row.end(), name) != first_row.end();
          });
      return names_in_first_row
                 ? "the first row names the fields (" + joined(first_row) + "): drop header=false"
                 : "with header=false the columns are named 1, 2, ...; the mapping names " +
                       joined(missing);
    }
  }
  if (!missing.empty()) {
    return "no record has the field" + std::string(missing.size() == 1 ? " " : "s ") +
           joined(missing) + "; the records' fields are " + joined(present);
  }
  const auto reasons = d.skipped_by_reason();
  const auto commonest =
      std::max_element(reasons.begin(), reasons.end(),
                       [](const auto& a, const auto& b) { return a.second < b.second; });
  if (commonest == reasons.end()) return "";
  const auto example = std::find_if(d.problems.begin(), d.problems.end(),
                                    [&](const Problem& p) { return p.reason == commonest->first; });
  return "most skipped records: " + commonest->first + " (" + std::to_string(commonest->second) +
         " of " + std::to_string(d.records_read) + "), e.g. " + example->describe(d.path);
}

Error strict_error(const Dataset& d, const LoadSettingNames& names) {
  std::string message =
      d.path.string() + ": " + std::to_string(d.problems.size()) +
      (d.problems.size() == 1 ? " problem" : " problems") +
      (names.lenient.empty() ? ":" : " (load " + names.lenient + " to skip bad records):");
  const size_t shown = std::min<size_t>(d.problems.size(), 20);
  for (size_t i = 0; i < shown; ++i)
    message += "\n  " + d.problems[i].describe(d.path);
  if (shown < d.problems.size()) {
    message += "\n  ... and " + std::to_string(d.problems.size() - shown) + " more";
  }
  if (!d.diagnosis.empty()) message += "\n  likely cause: " + d.diagnosis;
  return Error(message);
}

}  // namespace

std::string Problem::describe(const std::filesystem::path& file) const {
  std::string s = file.string();
  if (line > 0) s += ":" + std::to_string(line);
  s += ": ";
  if (!field.empty()) s += "field '" + field + "': ";
  return s + detail + " [" + reason + "]";
}

bool Dataset::mostly_skipped() const {
  return questions.empty() || 2 * problems.size() > records_read;
}

std::map<std::string, size_t> Dataset::skipped_by_reason() const {
  std::map<std::string, size_t> counts;
  for (const auto& p : problems)
    ++counts[p.reason];
  return counts;
}

const char* dataset_format_name(DatasetFormat format) {
  switch (format) {
    case DatasetFormat::kAuto:
      return "auto";
    case DatasetFormat::kMedMCQA:
      return "medmcqa";
    case DatasetFormat::kMedQA:
      return "medqa";
    case DatasetFormat::kJsonl:
      return "jsonl";
    case DatasetFormat::kCsv:
      return "csv";
  }
  return "?";
}

Result<DatasetFormat> parse_dataset_format(const std::string& name) {
  for (auto f : {DatasetFormat::kAuto, DatasetFormat::kMedMCQA, DatasetFormat::kMedQA,
                 DatasetFormat::kJsonl, DatasetFormat::kCsv}) {
    if (name == dataset_format_name(f)) return f;
  }
  return Error("unknown dataset format '" + name + "' (auto, medmcqa, medqa, jsonl, csv)");
}

namespace {

// "a|b|c" -> {"a", "b", "c"}, each trimmed.
std::vector<std::string> split_bars(std::string_view value) {
  std::vector<std::string> out;
  size_t p = 0;
  while (p <= value.size()) {
    size_t bar = value.find('|', p);
    if (bar == std::string_view::npos) bar = value.size();
    out.emplace_back(trim(value.substr(p, bar - p)));
    p = bar + 1;
  }
  return out;
}

}  // namespace

Result<FieldMapping> parse_field_mapping(const std::string& spec) {
  FieldMapping m;
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t end = spec.find(',', pos);
    if (end == std::string::npos) end = spec.size();
    const std::string item = std::string(trim(std::string_view(spec).substr(pos, end - pos)));
    pos = end + 1;
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      return Error("field mapping: '" + item + "' is not key=value");
    }
    const std::string key = std::string(trim(item.substr(0, eq)));
    const std::string value = std::string(trim(item.substr(eq + 1)));
    if (key == "id") {
      m.id = value;
    } else if (key == "question") {
      m.question = value;
    } else if (key == "options") {
      m.option_fields = split_bars(value);
    } else if (key == "choices") {
      m.choices = split_bars(value);
    } else if (key == "options_object") {
      m.options_object = value;
    } else if (key == "answer") {
      m.answer = value;
    } else if (key == "answer_encoding") {
      if (value == "letter") {
        m.answer_encoding = AnswerEncoding::kLetter;
      } else if (value == "zero_based") {
        m.answer_encoding = AnswerEncoding::kZeroBased;
      } else if (value == "one_based") {
        m.answer_encoding = AnswerEncoding::kOneBased;
      } else if (value == "option_text") {
        m.answer_encoding = AnswerEncoding::kOptionText;
      } else {
        return Error("field mapping: answer_encoding '" + value +
                     "' is not letter, zero_based, one_based or option_text");
      }
    } else if (key == "subject") {
      m.subject = value;
    } else if (key == "topic") {
      m.topic = value;
    } else if (key == "context") {
      m.context = value;
    } else if (key == "header") {
      if (value != "true" && value != "false") {
        return Error("field mapping: header must be true or false, got '" + value + "'");
      }
      m.csv_header = value == "true";
    } else {
      return Error("field mapping: unknown key '" + key +
                   "' (id, question, options, options_object, choices, answer, "
                   "answer_encoding, subject, topic, context, header)");
    }
  }
  if (m.question.empty()) return Error("field mapping: 'question' is required");
  if (!m.option_fields.empty() + !m.options_object.empty() + !m.choices.empty() != 1) {
    return Error(
        "field mapping: give exactly one of 'options' (fields joined by '|'), "
        "'options_object' and 'choices' (the same option texts for every record, joined by "
        "'|')");
  }
  if (m.option_fields.size() == 1) {
    return Error("field mapping: 'options' names one field; list at least two, joined by '|'");
  }
  if (m.choices.size() == 1 ||
      std::any_of(m.choices.begin(), m.choices.end(), [](const auto& c) { return c.empty(); })) {
    return Error("field mapping: 'choices' needs at least two non-empty texts, joined by '|'");
  }
  return m;
}

Result<Dataset> load_dataset(const std::filesystem::path& path, const LoadOptions& options) {
  auto contents = read_file(path);
  if (!contents) return contents.error();
  if (contents->find_first_not_of(" \t\r\n") == std::string::npos) {
    return Error(path.string() + ": the file is empty (no records)");
  }

  DatasetFormat format = options.format;
  const bool generic_mapping = !options.mapping.question.empty();
  if (format == DatasetFormat::kAuto && generic_mapping) {
    format = path.extension() == ".csv" ? DatasetFormat::kCsv : DatasetFormat::kJsonl;
  }
  if ((format == DatasetFormat::kJsonl || format == DatasetFormat::kCsv) && !generic_mapping) {
    return Error(path.string() + ": format " + dataset_format_name(format) +
                 " needs a field mapping" + mapping_advice(options.setting_names));
  }
  if (format == DatasetFormat::kAuto && path.extension() == ".csv") {
    return Error(path.string() + ": a CSV file needs a field mapping" +
                 mapping_advice(options.setting_names));
  }

  // Two readings of the file, each record's JSON dropped once it is used:
  // the first counts the fields and gathers what the format and the answer
  // base are detected from, the second converts. Held all at once, the JSON
  // of 180,000 MedMCQA records took ~700 MB.
  const bool csv = format == DatasetFormat::kCsv;
  const auto read = [&](data_internal::RecordSink& sink) {
    if (csv) {
      data_internal::read_csv_records(*contents, options.mapping.csv_header, sink);
    } else {
      data_internal::read_json_records(*contents, sink);
    }
  };
  Dataset d;
  d.path = path;
  d.content_hash = hash128_hex(*contents);
  std::optional<RawRecord> first;
  AnswerBaseEvidence cop;
  data_internal::RecordSink counting;
  counting.visit = [&](RawRecord&& r) {
    count_fields(r, d.fields);
    cop.add(r);
    if (!first) first = std::move(r);
  };
  read(counting);
  d.records_read = counting.records + counting.problems.size();
  d.records_parsed = counting.records;
  d.problems = std::move(counting.problems);
  const RawRecord* first_record = first ? &*first : nullptr;

  if (format == DatasetFormat::kAuto) {
    auto detected = detect_format(path, first_record, options);
    if (!detected) return detected.error();
    format = *detected;
  }
  d.format = format;

  Schema schema;
  switch (format) {
    case DatasetFormat::kMedMCQA: {
      int base = 0;  // irrelevant when no answer is read
      if (options.read_answers) {
        if (options.answer_base) {
          if (*options.answer_base != 0 && *options.answer_base != 1) {
            return Error("answer base must be 0 or 1, got " + std::to_string(*options.answer_base));
          }
          base = *options.answer_base;
        } else {
          auto detected = detect_answer_base(path, cop, options.setting_names);
          if (!detected) return detected.error();
          base = *detected;
        }
        d.answer_base = base;
      }
      schema.mapping = medmcqa_mapping(base);
      schema.minus_one_unlabelled = true;
      break;
    }
    case DatasetFormat::kMedQA:
      schema.mapping = medqa_mapping();
      schema.answer_text_field = "answer";
      break;
    default:
      schema.mapping = options.mapping;
      schema.minus_one_unlabelled = true;
      break;
  }
  if (!options.read_answers) {
    schema.mapping.answer.clear();
    schema.answer_text_field.clear();
  }

  std::unordered_map<std::string, size_t> id_lines;
  data_internal::RecordSink converting;  // its parse problems are the first reading's
  converting.visit = [&](RawRecord&& r) {
    Converted c = convert(r, schema);
    if (auto* p = std::get_if<Problem>(&c)) {
      d.problems.push_back(std::move(*p));
      return;
    }
    Question& q = std::get<Question>(c);
    const auto [it, fresh] = id_lines.emplace(q.id, r.line);
    if (!fresh) {
      d.problems.push_back(problem(
          r.line, schema.mapping.id.empty() ? "" : schema.mapping.id, "duplicate id",
          "id '" + snippet(q.id) + "' is already used on line " + std::to_string(it->second)));
      return;
    }
    d.questions.push_back(std::move(q));
  };
  read(converting);
  std::stable_sort(d.problems.begin(), d.problems.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  if (d.mostly_skipped()) d.diagnosis = diagnose(d, first_record, schema.mapping, format);

  if (options.strict && !d.problems.empty()) return strict_error(d, options.setting_names);
  if (d.questions.empty() && d.problems.empty()) {
    return Error(path.string() + ": no records found");
  }
  return d;
}

}  // namespace privqa
