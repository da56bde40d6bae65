#include <string>

#include "privqa/base/utf8.h"
#include "privqa/data/records.h"

namespace privqa::data_internal {

namespace {

struct Row {
  size_t line = 0;
  std::vector<std::string> fields;
};

// Reads one row starting at `pos`; advances `pos` and `line`. Returns false
// with `error` set when the row is malformed (the rest of the file is then
// unreliable: an unterminated quote swallows everything after it).
bool read_row(std::string_view s, size_t& pos, size_t& line, Row& row, std::string& error) {
  row.line = line;
  row.fields.clear();
  std::string field;
  bool quoted = false;
  bool after_quote = false;  // just closed a quoted field
  size_t quote_line = line;
  while (pos < s.size()) {
    const char c = s[pos];
    if (quoted) {
      if (c == '"') {
        if (pos + 1 < s.size() && s[pos + 1] == '"') {
          field += '"';
          pos += 2;
          continue;
        }
        quoted = false;
        after_quote = true;
        ++pos;
        continue;
      }
      if (c == '\n') ++line;
      field += c;
      ++pos;
      continue;
    }
    if (c == ',') {
      row.fields.push_back(std::move(field));
      field.clear();
      after_quote = false;
      ++pos;
      continue;
    }
    if (c == '\n' || (c == '\r' && pos + 1 < s.size() && s[pos + 1] == '\n')) {
      pos += (c == '\r') ? 2 : 1;
      ++line;
      row.fields.push_back(std::move(field));
      return true;
    }
    if (c == '"') {
      if (!field.empty() || after_quote) {
        error = "a quote inside an unquoted field (quote the whole field and double inner quotes)";
        return false;
      }
      quoted = true;
      quote_line = line;
      ++pos;
      continue;
    }
    if (after_quote) {
      error = "text after the closing quote of a field";
      return false;
    }
    field += c;
    ++pos;
  }
  if (quoted) {
    line = quote_line;
    error = "unterminated quoted field: the quote opened on this line is never closed";
    return false;
  }
  row.fields.push_back(std::move(field));
  return true;
}

bool blank(const Row& row) {
  return row.fields.size() == 1 && row.fields[0].empty();
}

}  // namespace

void read_csv_records(std::string_view contents, bool header, RecordSink& out) {
  if (contents.substr(0, 3) == "\xEF\xBB\xBF") contents.remove_prefix(3);
  size_t pos = 0, line = 1;
  std::vector<std::string> names;
  bool have_names = !header;
  Row row;
  std::string error;
  while (pos < contents.size()) {
    if (!read_row(contents, pos, line, row, error)) {
      out.problems.push_back({line, "", "invalid csv", error});
      return;
    }
    if (blank(row)) continue;
    if (!have_names) {
      names = row.fields;
      have_names = true;
      continue;
    }
    if (header && row.fields.size() != names.size()) {
      out.problems.push_back({row.line, "", "wrong field count",
                              "expected " + std::to_string(names.size()) +
                                  " fields as in the header, got " +
                                  std::to_string(row.fields.size())});
      continue;
    }
    nlohmann::json object = nlohmann::json::object();
    bool valid = true;
    for (size_t i = 0; i < row.fields.size(); ++i) {
      const std::string name = header ? names[i] : std::to_string(i + 1);
      const size_t bad = find_invalid_utf8(row.fields[i]);
      if (bad != std::string::npos) {
        out.problems.push_back(
            {row.line, name, "invalid utf-8",
             "byte " + std::to_string(bad + 1) + " of the field is not valid UTF-8"});
        valid = false;
        break;
      }
      object[name] = std::move(row.fields[i]);
    }
    if (valid) out.add(row.line, std::move(object));
  }
  if (header && !have_names) {
    out.problems.push_back({0, "", "empty file", "no header row"});
  }
}

}  // namespace privqa::data_internal
