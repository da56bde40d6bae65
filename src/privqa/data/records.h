// Internal to the data module: splits a file into raw records (JSON objects)
// with the line each starts on. Parse problems are collected, not thrown.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "privqa/data/dataset.h"

namespace privqa::data_internal {

struct RawRecord {
  size_t line = 0;  // 1-based line where the record starts
  // 1-based position among the file's records, those that failed to parse
  // included: it does not move when another record is fixed or broken.
  size_t ordinal = 0;
  nlohmann::json fields;  // always an object
};

// Where a reader puts what it finds: each record goes to `visit` as soon as
// it is read, so a large file is never held as JSON all at once; problems
// are kept.
struct RecordSink {
  std::function<void(RawRecord&&)> visit;
  std::vector<Problem> problems;
  size_t records = 0;  // handed to visit so far

  // The ordinal of the next record or problem.
  size_t next_ordinal() const { return records + problems.size() + 1; }
  void add(size_t line, nlohmann::json fields) {
    RawRecord r{line, next_ordinal(), std::move(fields)};
    ++records;
    visit(std::move(r));
  }
};

// JSON Lines, one JSON array of objects (detected by a leading '['), or one
// JSON object whose values are the records, keyed by id (each record's "id"
// field is its key unless it has one).
void read_json_records(std::string_view contents, RecordSink& sink);

// RFC 4180 CSV: comma separated, "" escapes quotes inside quoted fields,
// quoted fields may hold newlines, rows end with LF or CRLF. Values become
// JSON strings named by the header row, or "1", "2", ... without one.
void read_csv_records(std::string_view contents, bool header, RecordSink& sink);

}  // namespace privqa::data_internal
