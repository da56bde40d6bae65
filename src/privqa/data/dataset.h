// Loading question files: MedMCQA, MedQA, and any JSONL/CSV file through a
// field mapping. Every problem found carries the file, line and field.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/data/question.h"

namespace privqa {

enum class DatasetFormat {
  kAuto,     // MedMCQA or MedQA, recognised by their fields
  kMedMCQA,  // question, opa..opd, cop (1..4 or 0..3), subject_name, topic_name, id, choice_type
  kMedQA,    // question, options {A..D}, answer_idx letter, meta_info; no id (see FieldMapping::id)
  kJsonl,    // generic JSON Lines (or a JSON array) with a FieldMapping
  kCsv,      // generic CSV (RFC 4180) with a FieldMapping
};

// How the answer field of a generic file is written.
enum class AnswerEncoding { kLetter, kZeroBased, kOneBased, kOptionText };

// Field names of a generic file. For CSV without a header, fields are named
// by their 1-based column number ("1", "2", ...).
struct FieldMapping {
  // Empty: a question's id is its record's ordinal, 1, 2, ... in file order,
  // counting the records that could not be read, so ids stay the same from
  // run to run (and from a lenient load to a fixed file).
  std::string id;
  std::string question;                    // required
  std::vector<std::string> option_fields;  // one field per option, in order; or
  std::string options_object;              // one field holding {"A": ..} or [..]; or
  std::vector<std::string> choices;        // the same option texts for every record
  std::string answer;                      // empty: unlabelled
  AnswerEncoding answer_encoding = AnswerEncoding::kLetter;
  std::string subject;
  std::string topic;
  std::string context;     // a string, or a list of strings joined with newlines
  bool csv_header = true;  // CSV only: the first row names the fields
};

// Parses "question=Q,options=A|B|C|D,answer=ans,answer_encoding=letter,...".
// Keys: id, question, options (fields joined by '|'), options_object,
// choices (option texts joined by '|', e.g. yes|no|maybe), answer,
// answer_encoding (letter|zero_based|one_based|option_text), subject, topic,
// context, header (true|false). docs/datasets.md has worked examples.
Result<FieldMapping> parse_field_mapping(const std::string& spec);
Result<DatasetFormat> parse_dataset_format(const std::string& name);
const char* dataset_format_name(DatasetFormat format);

// How the caller's users set the load options, for the errors that advise
// setting one: a flag ("--answer-base") or a config key ("[dataset]
// answer_base"). Empty: the caller has no such setting, and the error only
// says what is wrong.
struct LoadSettingNames {
  std::string format;       // LoadOptions::format
  std::string mapping;      // LoadOptions::mapping
  std::string answer_base;  // LoadOptions::answer_base
  std::string lenient;      // how to load leniently, e.g. "without --strict"
};

struct LoadOptions {
  DatasetFormat format = DatasetFormat::kAuto;
  // MedMCQA only: whether `cop` counts from 0 (HuggingFace copy) or 1 (original
  // release). Unset: detected from the file; an ambiguous file is refused.
  std::optional<int> answer_base;
  FieldMapping mapping;  // kJsonl and kCsv only
  // Strict: any problem fails the load. Lenient: bad records are skipped and
  // listed in Dataset::problems.
  bool strict = true;
  // False: answers are not read and every question is unlabelled, so a file
  // without answers loads and a MedMCQA file needs no answer base. MedMCQA
  // and MedQA are then recognised by their options (opa, options) alone.
  bool read_answers = true;
  LoadSettingNames setting_names;
};

// One problem with one record.
struct Problem {
  size_t line = 0;     // 1-based line where the record starts; 0 = whole file
  std::string field;   // the field at fault, or "" for the record as a whole
  std::string reason;  // short category, e.g. "invalid json", "duplicate id"
  std::string detail;  // what exactly is wrong
  // "FILE:LINE: field 'F': detail"
  std::string describe(const std::filesystem::path& file) const;
};

// How often a field of the raw records is present, null or an empty string.
struct FieldStats {
  size_t present = 0;
  size_t null = 0;
  size_t empty = 0;
};

struct Dataset {
  std::filesystem::path path;
  DatasetFormat format = DatasetFormat::kAuto;  // the format actually used
  std::optional<int> answer_base;               // MedMCQA: the `cop` base used
  std::vector<Question> questions;
  std::vector<Problem> problems;             // records skipped (lenient mode only)
  size_t records_read = 0;                   // records found in the file, good or bad
  size_t records_parsed = 0;                 // of those, records that were well-formed objects
  std::map<std::string, FieldStats> fields;  // over the records_parsed records
  // XXH3-128 of the file's bytes, 32 hex digits: a run records it and
  // refuses to resume, or report, on a file that has changed since.
  std::string content_hash;
  // Number of skipped records per Problem::reason.
  std::map<std::string, size_t> skipped_by_reason() const;
  // No question loaded, or more than half the records were skipped: the
  // file is probably read with the wrong settings.
  bool mostly_skipped() const;
  // When mostly_skipped(): the likeliest cause, when one shows across the
  // records (a CSV header row that is data, or data read as a header; a
  // mapped field no record has), else the commonest problem. Empty otherwise.
  std::string diagnosis;
};

// Loads a whole file. In strict mode any problem is an Error listing the
// problems (each with file, line and field); file-level failures (unreadable,
// empty, unknown format, ambiguous answer base) are Errors in both modes.
Result<Dataset> load_dataset(const std::filesystem::path& path, const LoadOptions& options = {});

// Which questions of a dataset to use. Filters apply in this order:
// ids, choice_type, subjects, then first_n or sample_n (not both).
struct QuestionFilter {
  std::vector<std::string> ids;       // keep only these, in file order; unknown id = error
  std::string choice_type;            // meta "choice_type", e.g. "single"
  std::vector<std::string> subjects;  // keep these subjects (exact match)
  std::optional<size_t> first_n;
  std::optional<size_t> sample_n;  // seeded random sample, kept in file order
  uint64_t sample_seed = 0;
};

// The indices into `questions` of those the filter keeps, ascending.
Result<std::vector<size_t>> select_questions(const std::vector<Question>& questions,
                                             const QuestionFilter& filter);
// Copies of the questions select_questions keeps.
Result<std::vector<Question>> apply_filter(const std::vector<Question>& questions,
                                           const QuestionFilter& filter);

}  // namespace privqa
