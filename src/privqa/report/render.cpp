#include "privqa/report/render.h"

#include <fmt/format.h>

#include <algorithm>

namespace privqa::report {

namespace {

using nlohmann::json;

// A table cell in Markdown: pipes escaped, line breaks flattened.
std::string md_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string md_table(const DisplayTable& t) {
  std::string s = fmt::format("**{}**\n\n|", md_cell(t.title));
  for (const auto& c : t.columns)
    s += fmt::format(" {} |", md_cell(c));
  s += "\n|";
  for (size_t i = 0; i < t.columns.size(); ++i)
    s += i == 0 ? " --- |" : " ---: |";
  s += "\n";
  for (const auto& row : t.rows) {
    s += "|";
    for (const auto& cell : row)
      s += fmt::format(" {} |", md_cell(cell));
    s += "\n";
  }
  if (!t.note.empty()) s += "\n_" + t.note + "_\n";
  return s + "\n";
}

std::string html_table(const DisplayTable& t) {
  std::string s = "<table>\n<caption>" + escape_xml(t.title) + "</caption>\n<thead><tr>";
  for (const auto& c : t.columns)
    s += "<th>" + escape_xml(c) + "</th>";
  s += "</tr></thead>\n<tbody>\n";
  for (size_t r = 0; r < t.rows.size(); ++r) {
    s += "<tr>";
    for (size_t c = 0; c < t.rows[r].size(); ++c) {
      const std::string text = escape_xml(t.rows[r][c]);
      const std::string href = r < t.links.size() && c < t.links[r].size() ? t.links[r][c] : "";
      s += href.empty() ? "<td>" + text + "</td>"
                        : "<td><a href=\"" + escape_xml(href) + "\">" + text + "</a></td>";
    }
    s += "</tr>\n";
  }
  s += "</tbody>\n</table>\n";
  if (!t.note.empty()) s += "<p class=\"note\">" + escape_xml(t.note) + "</p>\n";
  return s;
}

std::string csv_field(const json& v) {
  if (v.is_null()) return "";
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text)
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

const char* const kStyle =
    R"(body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}
.simulated{background:#fff3cd;border:2px solid #d39e00;padding:.6em 1em;font-weight:bold}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
caption{text-align:left;font-weight:bold;padding:.3em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#f2f2f2}.note{font-size:.85em;color:#555}
figure{margin:1em 0}svg{max-width:100%;height:auto})";

}  // namespace

std::string render_markdown(const std::string& title, const std::vector<Section>& sections) {
  std::string s = "# " + title + "\n\n";
  for (const auto& section : sections) {
    s += "## " + section.heading + "\n\n";
    for (const auto& p : section.paragraphs)
      s += p + "\n\n";
    for (const auto& f : section.figures)
      s += fmt::format("![{}]({})\n\n", f.chart.title, f.file);
    for (const auto& t : section.tables)
      s += md_table(t);
  }
  return s;
}

std::string render_html(const std::string& title, const std::vector<Section>& sections) {
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                  escape_xml(title) + "</title>\n<style>\n" + kStyle +
                  "\n</style>\n</head>\n<body>\n<h1>" + escape_xml(title) + "</h1>\n";
  if (title.rfind("SIMULATED", 0) == 0) {
    s += "<p class=\"simulated\">SIMULATED: results from privqa's simulated provider. They "
         "exercise the engine; they say nothing about real models.</p>\n";
  }
  for (const auto& section : sections) {
    s += "<h2>" + escape_xml(section.heading) + "</h2>\n";
    for (const auto& p : section.paragraphs)
      s += "<p>" + escape_xml(p) + "</p>\n";
    for (const auto& f : section.figures) {
      s += "<figure>\n" + render_svg(f.chart) + "</figure>\n";
    }
    for (const auto& t : section.tables)
      s += html_table(t);
  }
  return s + "</body>\n</html>\n";
}

std::string render_json(const std::string& title, const std::vector<RunReport>& runs,
                        const std::vector<DataTable>& tables) {
  json out;
  out["title"] = title;
  out["simulated"] =
      std::any_of(runs.begin(), runs.end(), [](const RunReport& r) { return r.simulated; });
  out["runs"] = json::array();
  for (const auto& r : runs) {
    out["runs"].push_back({{"label", r.label},
                           {"store", r.store},
                           {"title", r.title},
                           {"simulated", r.simulated},
                           {"created_at", r.created_at},
                           {"fingerprint", r.fingerprint},
                           {"dataset", r.dataset},
                           {"local_model", r.local_model},
                           {"remote_model", r.remote_model},
                           {"seed", r.seed ? json(*r.seed) : json("os")},
                           {"phrasedp_encoders", r.encoders},
                           {"questions", r.questions},
                           {"wall_seconds", r.wall_seconds},
                           {"sessions", r.sessions},
                           {"interrupted_sessions", r.interrupted_sessions},
                           {"unended_sessions", r.unended_sessions},
                           {"notes", r.notes}});
  }
  out["tables"] = json::object();
  for (const auto& t : tables) {
    json rows = json::array();
    for (const auto& row : t.rows) {
      json record = json::object();
      for (size_t i = 0; i < t.columns.size() && i < row.size(); ++i)
        record[t.columns[i]] = row[i];
      rows.push_back(std::move(record));
    }
    out["tables"][t.name] = std::move(rows);
  }
  return out.dump(2) + "\n";
}

std::string render_csv(const DataTable& table) {
  std::string s;
  for (size_t i = 0; i < table.columns.size(); ++i)
    s += fmt::format("{}{}", i ? "," : "", csv_field(table.columns[i]));
  s += "\n";
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < row.size(); ++i)
      s += fmt::format("{}{}", i ? "," : "", csv_field(row[i]));
    s += "\n";
  }
  return s;
}

}  // namespace privqa::report
