// Writes a report's files into a directory: report.md (+ one SVG per figure),
// report.html, report.json, and one CSV per data table.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/report/run_report.h"

namespace privqa::report {

struct OutputFormats {
  bool markdown = false, html = false, json = false, csv = false;
};

// A comma-separated list of md, html, json, csv (e.g. "md,html"); "all" or an
// empty list selects every format. Unknown names are an error naming them.
Result<OutputFormats> parse_formats(const std::string& list);

// Renders everything first, then writes each file atomically into `dir`
// (created if missing). Returns the files written, the main document first.
Result<std::vector<std::filesystem::path>> write_report(const std::vector<RunReport>& runs,
                                                        const std::filesystem::path& dir,
                                                        const OutputFormats& formats);

}  // namespace privqa::report
