// The run explorer (docs/reports.md, "Explorer"): explorer.html, one page
// with its scripts inline that shows every cell of one or more runs, a
// table of questions x (scenario, mechanism, eps) and each question's cells
// side by side. Its cells come from CellRows, the export's reader.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/report/run_data.h"
#include "privqa/report/run_report.h"

namespace privqa::report {

struct ExplorerOptions {
  // Runs with more cells than this keep their cells' texts in chunk files
  // beside the page, loaded when a question is opened, so the page opens fast.
  size_t inline_cells = 50'000;
  size_t questions_per_chunk = 100;
  // A table of more questions keeps the cells' texts of a sample of this
  // many (question_sample, report/run_report.h; 0: all): the outcomes of
  // every cell stay in the table.
  size_t text_questions = 10'000;
};

// The page's data. `runs[i]` is the run `reports[i]` was built from.
//   questions: [{id, subject, text, options, gold}], the questions of every
//     run's cells in the order they first appear;
//   columns: [{scenario, mechanism, eps (null outside S3), repeat}];
//   outcomes[run][column]: one character per question: R right, W wrong,
//     U unparsed, E error, N no gold answer, '.' no cell;
//   paired[run], comparisons: the report's paired tests (run_report.h);
//   chunks: the cells of questions [k q, (k + 1) q) for chunk k (q =
//     questions_per_chunk), each {run, column, and the export's row less
//     what the table and the question hold}; with more questions than
//     ExplorerOptions::text_questions, those of the sample only (the others
//     are marked "texts": false; a sink is not given a chunk without any).
struct ExplorerData {
  nlohmann::json page;  // everything but the chunks, with their count
  // Chunk k: its list of cells as JSON text, '<' escaped (explorer_page.h).
  std::vector<std::string> chunks;
  bool inline_chunks = true;  // the chunks go in the page, not beside it
};
// With `sink`, chunks that do not go in the page are handed to it as each is
// made (k, its text) instead of kept in `chunks`: a run of millions of cells
// has gigabytes of them. Fails when reading a run's texts from its store does.
using ChunkSink = std::function<void(size_t k, const std::string& chunk)>;
Result<ExplorerData> explorer_data(const std::vector<RunData>& runs,
                                   const std::vector<RunReport>& reports,
                                   const ExplorerOptions& options = {},
                                   const ChunkSink& sink = nullptr);

// explorer.html, and when the chunks do not go in it, explorer-data/chunk-K.js
// (scripts, not JSON: a page opened from disk may load scripts beside it but
// not fetch files) for those in `data.chunks`. Returns (name relative to the
// report directory, contents).
std::vector<std::pair<std::string, std::string>> explorer_files(const ExplorerData& data);
// The script of chunk file k.
std::string explorer_chunk_script(size_t k, const std::string& chunk);

// Links from report.html into the explorer written beside it (the page's
// hash states its view; explorer_page.cpp reads it). Runs are counted from
// 0, in the order the report and the explorer were given them. The table of
// run `run`'s questions where `baseline` is right and `condition` wrong
// (`which` 'b') or the reverse ('c'): a paired test's discordant questions.
std::string explorer_paired_link(size_t run, const Group& condition, const Group& baseline,
                                 char which);
// The questions where the first run is right in `group` and run `later`
// (>= 1) wrong ('b'), or the reverse ('c').
std::string explorer_difference_link(size_t later, const Group& group, char which);

// Writes explorer_files into `dir` (created if missing), each atomically;
// returns the page's path.
Result<std::filesystem::path> write_explorer(const std::vector<RunData>& runs,
                                             const std::vector<RunReport>& reports,
                                             const std::filesystem::path& dir,
                                             const ExplorerOptions& options = {});

}  // namespace privqa::report
