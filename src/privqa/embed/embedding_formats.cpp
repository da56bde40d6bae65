#include "privqa/embed/embedding_formats.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "privqa/embed/embedding_cache.h"

namespace privqa {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// Line number (1-based) of byte `offset`.
size_t line_of(std::string_view bytes, size_t offset) {
  return 1 + static_cast<size_t>(std::count(bytes.begin(), bytes.begin() + offset, '\n'));
}

// Parses all of `field` as a finite float.
bool parse_float(std::string_view field, float& out) {
  const char* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, out);
  return ec == std::errc() && ptr == end && std::isfinite(out);
}

bool parse_size(std::string_view field, size_t& out) {
  const char* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, out);
  return ec == std::errc() && ptr == end;
}

// Splits a line into blank-separated fields.
void split_fields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i]))
      ++i;
    const size_t start = i;
    while (i < line.size() && !is_blank(line[i]))
      ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
}

std::string_view strip_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Larger than any real table's dimension; it keeps `dims + 1` and
// `dims * sizeof(float)` far from overflow whatever a header says.
constexpr size_t kMaxDims = 1 << 16;

// Parses "count dims" (the header of .vec and word2vec files).
bool parse_header(std::string_view line, size_t& count, size_t& dims) {
  std::vector<std::string_view> fields;
  split_fields(strip_cr(line), fields);
  return fields.size() == 2 && parse_size(fields[0], count) && parse_size(fields[1], dims) &&
         dims > 0 && dims <= kMaxDims;
}

// How many items to reserve for `count` declared items of `per_item` entries
// each, capped at `limit`: sizes come from the file's own header and are only
// a hint, and a corrupt one must not make the parser allocate terabytes.
size_t capped_reserve(size_t count, size_t per_item, size_t limit) {
  if (per_item != 0 && count > limit / per_item) return limit;
  return count * per_item;
}

// Text rows: "word v1 ... vD". A word may itself contain blanks (some GloVe
// files have such entries): the last D fields are the values.
class TextRowParser {
 public:
  TextRowParser(const std::string& name, size_t dims) : name_(name), dims_(dims) {}

  Status parse(std::string_view line, size_t line_no, ParsedEmbeddings& out) {
    split_fields(line, fields_);
    if (fields_.size() < dims_ + 1) {
      return Error(name_ + ":" + std::to_string(line_no) + ": expected a word and " +
                   std::to_string(dims_) + " values, found " + std::to_string(fields_.size()) +
                   " fields");
    }
    const size_t first_value = fields_.size() - dims_;
    const char* word_end = fields_[first_value - 1].data() + fields_[first_value - 1].size();
    out.words.emplace_back(fields_[0].data(), word_end);
    for (size_t j = first_value; j < fields_.size(); ++j) {
      float v = 0;
      if (!parse_float(fields_[j], v)) {
        return Error(name_ + ":" + std::to_string(line_no) + ": value " +
                     std::to_string(j - first_value + 1) + " ('" + std::string(fields_[j]) +
                     "') is not a finite number");
      }
      out.values.push_back(v);
    }
    return Status::Ok();
  }

 private:
  const std::string& name_;
  size_t dims_;
  std::vector<std::string_view> fields_;
};

// A cursor over the wink JSON document. Errors carry line and column.
class JsonCursor {
 public:
  JsonCursor(std::string_view bytes, const std::string& name) : s_(bytes), name_(name) {}

  Error error(const std::string& what) const {
    const size_t line = line_of(s_, pos_);
    const size_t line_start = s_.rfind('\n', pos_ == 0 ? 0 : pos_ - 1);
    const size_t column = pos_ - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
    return Error(name_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what);
  }

  void skip_space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) {
      ++pos_;
    }
  }
  // Skips blanks, then consumes `c` if it is next.
  bool consume(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  Status expect(char c) {
    if (consume(c)) return Status::Ok();
    return error(std::string("expected '") + c + "'" + found());
  }
  bool at_end() {
    skip_space();
    return pos_ >= s_.size();
  }

  Status parse_string(std::string& out) {
    if (!consume('"')) return error("expected a string" + found());
    out.clear();
    while (true) {
      const size_t start = pos_;
      while (pos_ < s_.size() && s_[pos_] != '"' && s_[pos_] != '\\')
        ++pos_;
      out.append(s_.substr(start, pos_ - start));
      if (pos_ >= s_.size()) return error("unterminated string");
      if (s_[pos_++] == '"') return Status::Ok();
      if (pos_ >= s_.size()) return error("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!parse_hex4(cp)) return error("bad \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // surrogate pair
            uint32_t low = 0;
            if (pos_ + 1 >= s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') {
              return error("unpaired surrogate in \\u escape");
            }
            pos_ += 2;
            if (!parse_hex4(low) || low < 0xDC00 || low > 0xDFFF) {
              return error("unpaired surrogate in \\u escape");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(cp, out);
          break;
        }
        default:
          return error(std::string("bad escape '\\") + e + "'");
      }
    }
  }

  Status parse_number(double& out) {
    skip_space();
    const char* begin = s_.data() + pos_;
    const auto [ptr, ec] = std::from_chars(begin, s_.data() + s_.size(), out);
    if (ec != std::errc()) return error("expected a number" + found());
    pos_ += static_cast<size_t>(ptr - begin);
    return Status::Ok();
  }

  Status parse_float(float& out) {
    skip_space();
    const char* begin = s_.data() + pos_;
    const auto [ptr, ec] = std::from_chars(begin, s_.data() + s_.size(), out);
    if (ec != std::errc() || !std::isfinite(out)) {
      return error("expected a finite number" + found());
    }
    pos_ += static_cast<size_t>(ptr - begin);
    return Status::Ok();
  }

  // Skips any JSON value (strings, numbers, literals, nested arrays/objects).
  Status skip_value() {
    skip_space();
    int depth = 0;
    std::string scratch;
    do {
      if (pos_ >= s_.size()) return error("unexpected end of file");
      const char c = s_[pos_];
      if (c == '"') {
        if (Status st = parse_string(scratch); !st) return st;
      } else if (c == '{' || c == '[' || c == '}' || c == ']' || c == ',' || c == ':') {
        depth += (c == '{' || c == '[') ? 1 : (c == '}' || c == ']') ? -1 : 0;
        ++pos_;
      } else {  // a number or literal: up to the next delimiter
        while (pos_ < s_.size() &&
               std::string_view(",:{}[] \t\r\n\"").find(s_[pos_]) == std::string_view::npos) {
          ++pos_;
        }
      }
      skip_space();
    } while (depth > 0);
    return Status::Ok();
  }

 private:
  std::string found() const {
    if (pos_ >= s_.size()) return ", found end of file";
    return std::string(", found '") + s_[pos_] + "'";
  }
  bool parse_hex4(uint32_t& out) {
    if (pos_ + 4 > s_.size()) return false;
    const auto [ptr, ec] = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, out, 16);
    if (ec != std::errc() || ptr != s_.data() + pos_ + 4) return false;
    pos_ += 4;
    return true;
  }
  static void append_utf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string_view s_;
  const std::string& name_;
  size_t pos_ = 0;
};

// Places the rows of `keys` (in the order of the "vectors" object) into the
// order of `words`. Both must hold the same set of words.
Status order_rows_by_words(const std::vector<std::string>& keys, std::vector<float>& values,
                           const std::vector<std::string>& words, size_t dims,
                           const std::string& name) {
  if (keys.size() != words.size()) {
    return Error(name + ": \"vectors\" has " + std::to_string(keys.size()) +
                 " entries but \"words\" has " + std::to_string(words.size()));
  }
  bool same_order = true;
  for (size_t i = 0; same_order && i < keys.size(); ++i)
    same_order = keys[i] == words[i];
  if (same_order) return Status::Ok();
  std::unordered_map<std::string_view, size_t> row_of_key;
  row_of_key.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i)
    row_of_key.emplace(keys[i], i);
  std::vector<float> ordered;
  ordered.reserve(words.size() * dims);
  for (const std::string& word : words) {
    const auto it = row_of_key.find(word);
    if (it == row_of_key.end()) {
      return Error(name + ": word '" + word + "' of \"words\" has no entry in \"vectors\"");
    }
    const auto first = values.begin() + static_cast<ptrdiff_t>(it->second * dims);
    ordered.insert(ordered.end(), first, first + static_cast<ptrdiff_t>(dims));
  }
  values = std::move(ordered);
  return Status::Ok();
}

}  // namespace

Result<EmbeddingFormat> detect_embedding_format(std::string_view head) {
  if (head.substr(0, kCacheMagic.size()) == kCacheMagic) return EmbeddingFormat::kCache;
  const size_t first = head.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return Error("empty file");
  if (head[first] == '{') return EmbeddingFormat::kWinkJson;
  const size_t eol = head.find('\n');
  size_t count = 0;
  size_t dims = 0;
  if (eol == std::string_view::npos || !parse_header(head.substr(0, eol), count, dims)) {
    return EmbeddingFormat::kGloveText;
  }
  // After a "count dims" header: text rows have a word and `dims` numbers on
  // the next line; anything else is word2vec's binary rows.
  const std::string_view rest = head.substr(eol + 1);
  const std::string_view line = strip_cr(rest.substr(0, rest.find('\n')));
  std::vector<std::string_view> fields;
  split_fields(line, fields);
  float v = 0;
  const bool text = rest.find('\n') != std::string_view::npos && fields.size() >= dims + 1 &&
                    std::all_of(fields.end() - static_cast<ptrdiff_t>(dims), fields.end(),
                                [&](std::string_view f) { return parse_float(f, v); });
  if (text || count == 0) return EmbeddingFormat::kFastTextVec;
  return EmbeddingFormat::kWord2VecBinary;
}

Result<ParsedEmbeddings> parse_text_vectors(std::string_view bytes, bool has_header,
                                            const std::string& name) {
  ParsedEmbeddings out;
  size_t declared = 0;
  size_t pos = 0;
  size_t line_no = 0;
  auto next_line = [&]() {
    const size_t eol = bytes.find('\n', pos);
    const size_t end = eol == std::string_view::npos ? bytes.size() : eol;
    const std::string_view line = strip_cr(bytes.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    return line;
  };
  if (has_header) {
    if (!parse_header(next_line(), declared, out.dims)) {
      return Error(name + ":1: expected a header line \"COUNT DIMS\" (DIMS 1.." +
                   std::to_string(kMaxDims) + ")");
    }
    // A row takes at least two bytes per value and two for its word.
    out.words.reserve(capped_reserve(declared, 1, bytes.size() / (2 * out.dims + 2)));
    out.values.reserve(capped_reserve(declared, out.dims, bytes.size() / 2));
  }
  std::vector<std::string_view> fields;
  std::optional<TextRowParser> rows;
  if (has_header) rows.emplace(name, out.dims);
  while (pos < bytes.size()) {
    const std::string_view line = next_line();
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank line
    if (!rows) {  // GloVe: the first row fixes the dimension
      split_fields(line, fields);
      if (fields.size() < 2) {
        return Error(name + ":" + std::to_string(line_no) + ": expected a word and its values");
      }
      out.dims = fields.size() - 1;
      rows.emplace(name, out.dims);
    }
    if (Status st = rows->parse(line, line_no, out); !st) return st.error();
  }
  if (out.words.empty()) return Error(name + ": no vectors found");
  if (has_header && out.words.size() != declared) {
    return Error(name + ": header declares " + std::to_string(declared) + " words, file has " +
                 std::to_string(out.words.size()) + " (truncated or mismatched file)");
  }
  return out;
}

Result<ParsedEmbeddings> parse_word2vec_binary(std::string_view bytes, const std::string& name) {
  ParsedEmbeddings out;
  size_t declared = 0;
  const size_t eol = bytes.find('\n');
  if (eol == std::string_view::npos || !parse_header(bytes.substr(0, eol), declared, out.dims)) {
    return Error(name + ":1: expected a header line \"COUNT DIMS\" (DIMS 1.." +
                 std::to_string(kMaxDims) + ")");
  }
  const size_t row_bytes = out.dims * sizeof(float);
  if (declared > bytes.size() / (row_bytes + 2)) {
    return Error(name + ": header declares " + std::to_string(declared) + " words of " +
                 std::to_string(out.dims) + " dims, more than the file of " +
                 std::to_string(bytes.size()) + " bytes can hold (truncated or mismatched file)");
  }
  out.words.reserve(declared);
  out.values.resize(declared * out.dims);
  size_t pos = eol + 1;
  for (size_t i = 0; i < declared; ++i) {
    while (pos < bytes.size() && (bytes[pos] == '\n' || bytes[pos] == '\r'))
      ++pos;
    const size_t space = bytes.find(' ', pos);
    if (space == std::string_view::npos || space + 1 + row_bytes > bytes.size()) {
      return Error(name + ": record " + std::to_string(i + 1) + " of " + std::to_string(declared) +
                   " is truncated at byte " + std::to_string(pos));
    }
    out.words.emplace_back(bytes.substr(pos, space - pos));
    float* row = out.values.data() + i * out.dims;
    std::memcpy(row, bytes.data() + space + 1, row_bytes);
    for (size_t j = 0; j < out.dims; ++j) {
      if (!std::isfinite(row[j])) {
        return Error(name + ": record " + std::to_string(i + 1) + " ('" + out.words.back() +
                     "'): value " + std::to_string(j + 1) + " is not finite");
      }
    }
    pos = space + 1 + row_bytes;
  }
  if (bytes.substr(pos).find_first_not_of(" \r\n") != std::string_view::npos) {
    return Error(name + ": data after the " + std::to_string(declared) +
                 " records declared in the header (mismatched header?) at byte " +
                 std::to_string(pos));
  }
  return out;
}

Result<ParsedEmbeddings> parse_wink_json(std::string_view bytes, const std::string& name) {
  JsonCursor json(bytes, name);
  ParsedEmbeddings out;
  std::vector<std::string> keys;  // words in the order of the "vectors" object
  bool have_words = false;
  bool have_vectors = false;
  std::optional<size_t> declared_size;
  std::string key;
  if (Status st = json.expect('{'); !st) return st.error();
  if (!json.consume('}')) {
    do {
      if (Status st = json.parse_string(key); !st) return st.error();
      if (Status st = json.expect(':'); !st) return st.error();
      if (key == "dimensions" || key == "size") {
        double v = 0;
        if (Status st = json.parse_number(v); !st) return st.error();
        if (v < 1 || v != std::floor(v) || v > 1e9) {
          return json.error("\"" + key + "\" must be a positive integer");
        }
        if (key == "dimensions") {
          out.dims = static_cast<size_t>(v);
        } else {
          declared_size = static_cast<size_t>(v);
          // A word takes at least 8 bytes: '"",' in "words", '"":[0],' in "vectors".
          out.words.reserve(capped_reserve(*declared_size, 1, bytes.size() / 8));
          keys.reserve(capped_reserve(*declared_size, 1, bytes.size() / 8));
        }
      } else if (key == "words") {
        have_words = true;
        if (Status st = json.expect('['); !st) return st.error();
        if (!json.consume(']')) {
          do {
            if (Status st = json.parse_string(out.words.emplace_back()); !st) return st.error();
          } while (json.consume(','));
          if (Status st = json.expect(']'); !st) return st.error();
        }
      } else if (key == "vectors") {
        have_vectors = true;
        if (out.dims == 0) return json.error("\"dimensions\" must come before \"vectors\"");
        // A value takes at least two bytes ("0,").
        if (declared_size) {
          out.values.reserve(capped_reserve(*declared_size, out.dims, bytes.size() / 2));
        }
        if (Status st = json.expect('{'); !st) return st.error();
        if (!json.consume('}')) {
          do {
            if (Status st = json.parse_string(keys.emplace_back()); !st) return st.error();
            if (Status st = json.expect(':'); !st) return st.error();
            if (Status st = json.expect('['); !st) return st.error();
            // The first `dims` values are the vector; wink appends its L2 norm
            // and word index, which are not part of it.
            size_t n = 0;
            if (!json.consume(']')) {
              do {
                float v = 0;
                if (Status st = json.parse_float(v); !st) return st.error();
                if (n++ < out.dims) out.values.push_back(v);
              } while (json.consume(','));
              if (Status st = json.expect(']'); !st) return st.error();
            }
            if (n < out.dims) {
              return json.error("vector of '" + keys.back() + "' has " + std::to_string(n) +
                                " values, expected at least " + std::to_string(out.dims));
            }
          } while (json.consume(','));
          if (Status st = json.expect('}'); !st) return st.error();
        }
      } else {
        if (Status st = json.skip_value(); !st) return st.error();
      }
    } while (json.consume(','));
    if (Status st = json.expect('}'); !st) return st.error();
  }
  if (!json.at_end()) return json.error("data after the end of the JSON object");
  if (!have_words || !have_vectors || out.dims == 0) {
    return Error(name +
                 ": not a wink embeddings file (needs \"dimensions\", \"words\" and "
                 "\"vectors\")");
  }
  if (declared_size && *declared_size != out.words.size()) {
    return Error(name + ": \"size\" is " + std::to_string(*declared_size) + " but \"words\" has " +
                 std::to_string(out.words.size()) + " entries");
  }
  if (out.words.empty()) return Error(name + ": no vectors found");
  if (Status st = order_rows_by_words(keys, out.values, out.words, out.dims, name); !st) {
    return st.error();
  }
  return out;
}

}  // namespace privqa
