#include "privqa/report/write_report.h"

#include <sstream>
#include <utility>

#include "privqa/base/files.h"
#include "privqa/report/render.h"
#include "privqa/report/tables.h"

namespace privqa::report {

Result<OutputFormats> parse_formats(const std::string& list) {
  OutputFormats f;
  std::stringstream in(list);
  std::string name;
  bool any = false;
  while (std::getline(in, name, ',')) {
    if (name.empty()) continue;
    any = true;
    if (name == "md" || name == "markdown") {
      f.markdown = true;
    } else if (name == "html") {
      f.html = true;
    } else if (name == "json") {
      f.json = true;
    } else if (name == "csv") {
      f.csv = true;
    } else if (name == "all") {
      f = {true, true, true, true};
    } else {
      return Error("--format: unknown format '" + name + "' (expected md, html, json, csv or all)");
    }
  }
  if (!any) f = {true, true, true, true};
  return f;
}

Result<std::vector<std::filesystem::path>> write_report(const std::vector<RunReport>& runs,
                                                        const std::filesystem::path& dir,
                                                        const OutputFormats& formats) {
  const std::string title = report_title(runs);
  const std::vector<Section> sections = report_sections(runs);
  std::vector<std::pair<std::string, std::string>> files;  // name, contents
  if (formats.html) files.emplace_back("report.html", render_html(title, sections));
  if (formats.markdown) {
    files.emplace_back("report.md", render_markdown(title, sections));
    for (const auto& section : sections) {
      for (const auto& figure : section.figures)
        files.emplace_back(figure.file, render_svg(figure.chart));
    }
  }
  if (formats.json || formats.csv) {
    const std::vector<DataTable> tables = data_tables(runs);
    if (formats.json) files.emplace_back("report.json", render_json(title, runs, tables));
    if (formats.csv) {
      for (const auto& t : tables)
        files.emplace_back(t.name + ".csv", render_csv(t));
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(dir.string() + ": cannot create the report directory: " + ec.message());
  std::vector<std::filesystem::path> written;
  for (const auto& [name, contents] : files) {
    if (auto s = write_file_atomic(dir / name, contents); !s) return s.error();
    written.push_back(dir / name);
  }
  return written;
}

}  // namespace privqa::report
