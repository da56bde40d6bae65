#include <algorithm>
#include <optional>
#include <string>

#include "privqa/base/strings.h"
#include "privqa/base/utf8.h"
#include "privqa/data/records.h"

namespace privqa::data_internal {

namespace {

using nlohmann::json;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Maps byte offsets to 1-based line numbers.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') starts_.push_back(i + 1);
    }
  }
  size_t line_of(size_t offset) const {
    return static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), offset) -
                               starts_.begin());
  }

 private:
  std::vector<size_t> starts_;
};

// nlohmann's messages start with "[json.exception.parse_error.101] " (or
// "out_of_range.406" for a number too large for a double); the rest says
// where and what.
std::string parse_error_detail(const json::exception& e) {
  std::string what = e.what();
  const auto close = what.find("] ");
  if (what.rfind("[json.exception", 0) == 0 && close != std::string::npos) {
    what = what.substr(close + 2);
  }
  // Each record is parsed on its own, so nlohmann's "line 1" means the
  // record's first line, which the Problem already names.
  const auto line_one = what.find("at line 1, column ");
  if (line_one != std::string::npos) what.replace(line_one, 18, "at column ");
  return snippet(what, 200);
}

// Names the top-level field whose text holds the first ill-formed byte: the
// record is parsed with bad bytes replaced, and the field whose value then
// contains U+FFFD where the original bytes were not valid is reported.
std::string field_with_invalid_utf8(std::string_view text) {
  const json repaired = json::parse(replace_invalid_utf8(text), nullptr, false);
  if (!repaired.is_object()) return "";
  for (const auto& [key, value] : repaired.items()) {
    const std::string dumped = value.dump();
    if (dumped.find("\xEF\xBF\xBD") != std::string::npos &&
        text.find("\xEF\xBF\xBD") == std::string_view::npos) {
      return key;
    }
    if (key.find("\xEF\xBF\xBD") != std::string::npos) return key;
  }
  return "";
}

void parse_one(std::string_view text, size_t line, RecordSink& out) {
  const size_t bad = find_invalid_utf8(text);
  if (bad != std::string_view::npos) {
    out.problems.push_back(
        {line, field_with_invalid_utf8(text), "invalid utf-8", "byte 0x" + [&] {
           static const char* hex = "0123456789ABCDEF";
           const auto b = static_cast<unsigned char>(text[bad]);
           return std::string{hex[b >> 4], hex[b & 15]};
         }() + " at byte " + std::to_string(bad + 1) + " of the record is not valid UTF-8"});
    return;
  }
  try {
    json value = json::parse(text);
    if (!value.is_object()) {
      out.problems.push_back({line, "", "not an object",
                              std::string("expected a JSON object, got ") + value.type_name()});
      return;
    }
    out.add(line, std::move(value));
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
    out.problems.push_back({line, "", "invalid json", parse_error_detail(e)});
  }
}

void read_lines(std::string_view contents, RecordSink& out) {
  size_t line = 0;
  size_t pos = 0;
  while (pos < contents.size()) {
    ++line;
    size_t end = contents.find('\n', pos);
    if (end == std::string_view::npos) end = contents.size();
    std::string_view text = contents.substr(pos, end - pos);
    pos = end + 1;
    if (std::all_of(text.begin(), text.end(), is_space)) continue;
    parse_one(text, line, out);
  }
}

// Splits a top-level array into its elements by scanning brackets and
// strings, so each element is parsed (and reported) on its own line.
void read_array(std::string_view contents, size_t open_bracket, RecordSink& out) {
  const LineIndex lines(contents);
  size_t depth = 0;
  JsonLiteralTracker literals;
  size_t element_start = std::string_view::npos;
  bool closed = false;
  for (size_t i = open_bracket + 1; i < contents.size() && !closed; ++i) {
    const char c = contents[i];
    // An element starts at its first character, a string's opening quote too
    // (inside a string the element has started already).
    if (element_start == std::string_view::npos && !is_space(c) && c != ',' && c != ']') {
      element_start = i;
    }
    if (literals.in_literal(c)) continue;
    switch (c) {
      case '{':
      case '[':
        ++depth;
        break;
      case '}':
        if (depth > 0) --depth;
        break;
      case ']':
        if (depth == 0) {
          closed = true;
          if (element_start != std::string_view::npos) {
            parse_one(contents.substr(element_start, i - element_start),
                      lines.line_of(element_start), out);
          }
          element_start = std::string_view::npos;
          const auto rest = contents.substr(i + 1);
          if (!std::all_of(rest.begin(), rest.end(), is_space)) {
            out.problems.push_back({lines.line_of(i + 1), "", "invalid json",
                                    "unexpected text after the closing ']' of the array"});
          }
        } else {
          --depth;
        }
        break;
      case ',':
        if (depth == 0 && element_start != std::string_view::npos) {
          parse_one(contents.substr(element_start, i - element_start), lines.line_of(element_start),
                    out);
          element_start = std::string_view::npos;
        }
        break;
      default:
        break;
    }
  }
  if (!closed) {
    const size_t at = element_start != std::string_view::npos ? element_start : open_bracket;
    out.problems.push_back({lines.line_of(at), "", "invalid json",
                            "unexpected end of file: the JSON array is not closed (truncated?)"});
  }
}

// One JSON object keyed by id whose values are the records (PubMedQA's
// layout): each record gets its key as its "id" field unless it has one, and
// the line where its key stands. nullopt when the file is not one such
// object (JSON Lines start with '{' too, but hold several values, and a
// record's fields are not all objects), with nothing read.
bool read_keyed_object(std::string_view contents, size_t open_brace, RecordSink& out) {
  const size_t end_of_line = contents.find('\n', open_brace);
  const std::string_view first_line = trim(contents.substr(
      open_brace, end_of_line == std::string_view::npos ? end_of_line : end_of_line - open_brace));
  const LineIndex lines(contents);
  nlohmann::ordered_json whole;
  try {
    whole = nlohmann::ordered_json::parse(contents);
  } catch (const json::exception& e) {
    // A lone '{' on the first line: a whole-file object (pretty-printed),
    // not JSON Lines; say where it breaks.
    if (first_line != "{") return false;
    const auto* parse_error = dynamic_cast<const json::parse_error*>(&e);
    const size_t byte = parse_error != nullptr && parse_error->byte > 0 ? parse_error->byte - 1 : 0;
    out.problems.push_back({lines.line_of(byte), "", "invalid json", parse_error_detail(e)});
    return true;
  }
  if (!whole.is_object() || whole.empty()) return false;
  for (const auto& [key, value] : whole.items()) {
    if (!value.is_object()) return false;
  }
  size_t search_from = open_brace;
  for (const auto& [key, value] : whole.items()) {
    // Keys come in file order: each is found after the one before.
    const size_t at = contents.find(nlohmann::ordered_json(key).dump(), search_from);
    if (at != std::string_view::npos) search_from = at;
    json record = json::parse(value.dump());
    if (!record.contains("id")) record["id"] = key;
    out.add(lines.line_of(search_from), std::move(record));
  }
  return true;
}

}  // namespace

void read_json_records(std::string_view contents, RecordSink& sink) {
  if (contents.substr(0, 3) == "\xEF\xBB\xBF") contents.remove_prefix(3);
  const size_t first = contents.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && contents[first] == '[') {
    read_array(contents, first, sink);
    return;
  }
  if (first != std::string_view::npos && contents[first] == '{' &&
      read_keyed_object(contents, first, sink)) {
    return;
  }
  read_lines(contents, sink);
}

}  // namespace privqa::data_internal
