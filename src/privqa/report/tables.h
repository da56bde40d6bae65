// The report's content laid out as tables, independent of the output format:
// display tables (formatted text, for Markdown and HTML) grouped in sections
// with figures, and data tables (scalar values, for CSV and JSON).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "privqa/report/run_report.h"
#include "privqa/report/svg_chart.h"

namespace privqa::report {

struct DisplayTable {
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::string note;  // shown under the table
  // Where a cell links to, HTML only: empty, or one entry per row, each
  // empty or one href per cell ("" for none).
  std::vector<std::vector<std::string>> links;
};

struct Figure {
  std::string file;  // SVG file name written beside the reports
  Chart chart;
};

struct Section {
  std::string heading;
  std::vector<std::string> paragraphs;
  std::vector<Figure> figures;
  std::vector<DisplayTable> tables;
};

// One record per row; every value a JSON scalar (number, string, bool, null).
struct DataTable {
  std::string name;  // also the CSV file name without ".csv"
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;
};

// The title of the whole report: "SIMULATED " first when any run is simulated.
std::string report_title(const std::vector<RunReport>& runs);

// With two or more runs, a comparison section comes first (each later run
// against the first), then one section group per run.
std::vector<Section> report_sections(const std::vector<RunReport>& runs);

// accuracy, paired_tests, subjects, privacy, privacy_budget, providers,
// usage, reconstruction when a run has attack cells, offline_attacks when a
// run has offline attack figures, and with two or more runs run_comparison:
// the rows of every run, told apart by the first column "run" (the run's
// label).
std::vector<DataTable> data_tables(const std::vector<RunReport>& runs);

}  // namespace privqa::report
