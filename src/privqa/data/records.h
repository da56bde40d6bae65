// Internal to the data module: splits a file into raw records (JSON objects)
// with the line each starts on. Parse problems are collected, not thrown.
#pragma once

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

struct RawRecords {
  std::vector<RawRecord> records;
  std::vector<Problem> problems;
};

// JSON Lines, one JSON array of objects (detected by a leading '['), or one
// JSON object whose values are the records, keyed by id (each record's "id"
// field is its key unless it has one).
RawRecords read_json_records(std::string_view contents);

// RFC 4180 CSV: comma separated, "" escapes quotes inside quoted fields,
// quoted fields may hold newlines, rows end with LF or CRLF. Values become
// JSON strings named by the header row, or "1", "2", ... without one.
RawRecords read_csv_records(std::string_view contents, bool header);

}  // namespace privqa::data_internal
