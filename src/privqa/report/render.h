// Output formats of a report. Every output names SIMULATED in its title when a
// run was simulated (the title comes from tables.h report_title); a CSV, which
// has no title, in its column "simulated".
#pragma once

#include <string>
#include <vector>

#include "privqa/report/tables.h"

namespace privqa::report {

// Markdown for papers; figures are referenced as the SVG files beside it.
std::string render_markdown(const std::string& title, const std::vector<Section>& sections);

// One self-contained HTML page: inline CSS and SVG, no scripts, no external
// resources.
std::string render_html(const std::string& title, const std::vector<Section>& sections);

// {"title", "simulated", "runs": [...], "tables": {name: [{column: value}]}}.
std::string render_json(const std::string& title, const std::vector<RunReport>& runs,
                        const std::vector<DataTable>& tables);

// RFC 4180 CSV, its header row first, so any CSV reader takes it with its
// defaults (pandas.read_csv(path)). A table says whether a run was simulated
// in its column "simulated", not in a title line.
std::string render_csv(const DataTable& table);

}  // namespace privqa::report
