#include "privqa/report/explorer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <thread>
#include <tuple>

#include "privqa/base/files.h"
#include "privqa/base/parallel_for.h"
#include "privqa/report/cell_rows.h"
#include "privqa/report/explorer_page.h"
#include "privqa/report/tables.h"

namespace privqa::report {

namespace {

using nlohmann::json;

// A column of the table: a group of the report, and one repeat of it.
struct Column {
  Scenario scenario = Scenario::kLocal;
  std::string mechanism;
  double eps = 0;
  int repeat = 0;
};

// Scenarios in their order; S3 by the first run's mechanism order, then eps.
struct ColumnOrder {
  std::vector<std::string> mechanisms;
  size_t rank(const std::string& m) const {
    return static_cast<size_t>(std::find(mechanisms.begin(), mechanisms.end(), m) -
                               mechanisms.begin());
  }
  bool operator()(const Column& a, const Column& b) const {
    return std::make_tuple(a.scenario, rank(a.mechanism), a.mechanism, a.eps, a.repeat) <
           std::make_tuple(b.scenario, rank(b.mechanism), b.mechanism, b.eps, b.repeat);
  }
};

Column column_of(const CellKey& k) {
  return {k.scenario, k.mechanism, k.eps, k.repeat};
}

char outcome(const CellResult& c) {
  if (c.status == CellStatus::kError) return 'E';
  if (c.parsed < 0) return 'U';
  if (c.gold < 0) return 'N';
  return c.correct() ? 'R' : 'W';
}

json group_json(const Group& g) {
  return {{"scenario", scenario_id(g.scenario)},
          {"mechanism", g.mechanism},
          {"eps", g.scenario == Scenario::kPrivateCot ? json(g.eps) : json(nullptr)}};
}

json paired_json(const PairedComparison& p) {
  return {{"condition", group_json(p.condition)},
          {"baseline", group_json(p.baseline)},
          {"pairs", p.pairs},
          {"baseline_accuracy", p.baseline_accuracy},
          {"condition_accuracy", p.condition_accuracy},
          {"b", p.test.b},
          {"c", p.test.c},
          {"method", mcnemar_method_name(p.test.method)},
          {"p", p.test.p_value},
          {"mid_p", p.test.mid_p},
          {"holm_p", p.holm_p},
          {"bh_q", p.bh_q},
          {"family_size", p.family_size},
          {"difference", {p.difference.low, p.difference.high}}};
}

// The row's fields the table and the question already hold.
constexpr const char* kHeldElsewhere[] = {"run_id",      "simulated", "local_model", "remote_model",
                                          "question_id", "subject",   "scenario",    "mechanism",
                                          "eps",         "repeat",    "gold"};

// '<' as a JSON escape, so no "</script>" or "<!--" ends or bends the
// script element the JSON sits in.
std::string script_safe(const json& j) {
  const std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    if (ch == '<') {
      out += "\\u003c";
    } else {
      out += ch;
    }
  }
  return out;
}

// One "name=value" of the page's hash, as URLSearchParams reads it: every
// byte but the unreserved ones percent-encoded ('+' would read as a space).
std::string hash_field(const std::string& name, const std::string& value) {
  std::string out = name + "=";
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// The mechanism and eps filters that narrow the S3 columns to `g`'s. eps as
// the page writes it (JavaScript's String of a number: the shortest form
// that reads back, as fmt's "{}" for the eps values privqa takes).
void add_group_filters(const Group& g, std::vector<std::string>& fields) {
  if (g.scenario != Scenario::kPrivateCot) return;
  fields.push_back(hash_field("mechanism", g.mechanism));
  fields.push_back(hash_field("eps", fmt::format("{}", g.eps)));
}

std::string explorer_link(const std::vector<std::string>& fields) {
  std::string out = "explorer.html#";
  for (size_t i = 0; i < fields.size(); ++i)
    out += (i == 0 ? "" : "&") + fields[i];
  return out;
}

}  // namespace

Result<ExplorerData> explorer_data(const std::vector<RunData>& runs,
                                   const std::vector<RunReport>& reports,
                                   const ExplorerOptions& options, const ChunkSink& sink) {
  ColumnOrder order;
  if (!reports.empty()) order.mechanisms = reports.front().mechanisms;
  std::vector<Column> columns;
  std::map<std::string, size_t> question_index;
  std::vector<std::string> question_ids;
  size_t cells = 0;
  for (const auto& run : runs) {
    cells += run.cells.size();
    for (const auto& c : run.cells) {
      const Column col = column_of(c.key);
      const auto at = std::lower_bound(columns.begin(), columns.end(), col, order);
      if (at == columns.end() || order(col, *at)) columns.insert(at, col);
      if (question_index.emplace(c.key.question_id, question_ids.size()).second)
        question_ids.push_back(c.key.question_id);
    }
  }
  const auto column_index = [&](const CellKey& k) {
    return static_cast<size_t>(
        std::lower_bound(columns.begin(), columns.end(), column_of(k), order) - columns.begin());
  };

  ExplorerData out;
  json& page = out.page;
  page["title"] = report_title(reports) + " (explorer)";
  page["simulated"] =
      std::any_of(runs.begin(), runs.end(), [](const RunData& r) { return r.simulated; });

  // Each question as the first run whose dataset has it states it.
  std::map<std::string, const Question*> stated;
  for (const auto& run : runs) {
    for (const auto& q : run.corpus)
      stated.emplace(q.id, &q);
  }
  json questions = json::array();
  for (const auto& id : question_ids) {
    const auto found = stated.find(id);
    if (found == stated.end()) {
      questions.push_back(
          {{"id", id}, {"subject", ""}, {"text", ""}, {"options", json::array()}, {"gold", ""}});
      continue;
    }
    const Question& q = *found->second;
    questions.push_back({{"id", id},
                         {"subject", q.subject},
                         {"text", q.text},
                         {"options", q.options},
                         {"gold", q.labelled() ? std::string(1, q.answer_letter()) : ""}});
  }
  page["questions"] = std::move(questions);

  json cols = json::array();
  for (const auto& c : columns) {
    cols.push_back({{"scenario", scenario_id(c.scenario)},
                    {"mechanism", c.mechanism},
                    {"eps", c.scenario == Scenario::kPrivateCot ? json(c.eps) : json(nullptr)},
                    {"repeat", c.repeat}});
  }
  page["columns"] = std::move(cols);

  const size_t per_chunk = std::max<size_t>(1, options.questions_per_chunk);
  const size_t chunk_count = (question_ids.size() + per_chunk - 1) / per_chunk;
  json run_list = json::array(), outcomes = json::array(), paired = json::array();
  for (size_t r = 0; r < runs.size(); ++r) {
    const RunData& run = runs[r];
    run_list.push_back({{"label", run.label},
                        {"run_id", run.record.fingerprint},
                        {"simulated", run.simulated},
                        {"local_model", recorded_model(run.record, "local")},
                        {"remote_model", recorded_model(run.record, "remote")}});
    std::vector<std::string> grid(columns.size(), std::string(question_ids.size(), '.'));
    for (const CellResult& c : run.cells)
      grid[column_index(c.key)][question_index.at(c.key.question_id)] = outcome(c);
    outcomes.push_back(grid);
    json tests = json::array();
    if (r < reports.size()) {
      for (const auto& p : reports[r].paired)
        tests.push_back(paired_json(p));
    }
    paired.push_back(std::move(tests));
  }
  page["runs"] = std::move(run_list);
  page["outcomes"] = std::move(outcomes);
  page["paired"] = std::move(paired);
  json comparisons = json::array();
  if (reports.size() > 1) {
    for (const auto& c : compare_runs(reports)) {
      json j = paired_json(c.paired);
      j["run"] = c.run;
      comparisons.push_back(std::move(j));
    }
  }
  page["comparisons"] = std::move(comparisons);

  // The questions whose cells' texts the page keeps: all, or a sample of a
  // run of more (the privacy metrics' kind: report/run_report.h).
  std::vector<bool> with_texts(question_ids.size(), true);
  size_t text_questions = question_ids.size();
  if (const auto sample =
          question_sample({question_ids.begin(), question_ids.end()}, options.text_questions)) {
    with_texts.assign(question_ids.size(), false);
    for (const std::string& id : *sample)
      with_texts[question_index.at(id)] = true;
    text_questions = sample->size();
    for (size_t q = 0; q < question_ids.size(); ++q) {
      if (!with_texts[q]) page["questions"][q]["texts"] = false;
    }
  }

  // Each chunk's cells, read whole a chunk at a time: the texts of every
  // cell as JSON values at once would take several times the store's size.
  std::vector<CellRows> readers;
  readers.reserve(runs.size());
  for (const auto& run : runs)
    readers.emplace_back(run);
  const RowOptions row_options{.timing = true, .details = true};
  out.inline_chunks = cells <= options.inline_cells;
  for (size_t k = 0; k < chunk_count; ++k) {
    std::vector<std::string> ids;
    for (size_t q = k * per_chunk; q < std::min(question_ids.size(), (k + 1) * per_chunk); ++q) {
      if (with_texts[q]) ids.push_back(question_ids[q]);
    }
    if (ids.empty() && !out.inline_chunks && sink) continue;  // never loaded: no file
    // The chunk's cells, read, then made rows on every core.
    struct Placed {
      size_t run, column, question;
      CellResult cell;
    };
    std::vector<Placed> placed;
    for (size_t r = 0; r < runs.size(); ++r) {
      Status read = for_each_whole_cell_of(runs[r], ids, [&](const CellResult& c) {
        // A cell stored since the table was made has no place in it yet.
        const auto question = question_index.find(c.key.question_id);
        const size_t col = column_index(c.key);
        if (question == question_index.end() || col == columns.size() ||
            order(column_of(c.key), columns[col])) {
          return Status::Ok();
        }
        placed.push_back({r, col, question->second, c});
        return Status::Ok();
      });
      if (!read) return read.error();
    }
    std::vector<json> entries(placed.size());
    parallel_for(placed.size(), std::max(1u, std::thread::hardware_concurrency()), [&](size_t i) {
      const Placed& p = placed[i];
      json cell = readers[p.run].row(p.cell, row_options);
      for (const char* key : kHeldElsewhere)
        cell.erase(key);
      entries[i] = {{"run", p.run}, {"column", p.column}, {"question", p.question}};
      entries[i].update(cell);
    });
    const json list(std::move(entries));
    if (!out.inline_chunks && sink) {
      sink(k, script_safe(list));
    } else {
      out.chunks.push_back(script_safe(list));
    }
  }
  page["chunks"] = {{"count", chunk_count},
                    {"questions_per_chunk", per_chunk},
                    {"inline", out.inline_chunks},
                    {"text_questions", text_questions}};
  return out;
}

std::vector<std::pair<std::string, std::string>> explorer_files(const ExplorerData& data) {
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::string> inline_chunks;
  for (size_t k = 0; k < data.chunks.size(); ++k) {
    if (data.inline_chunks) {
      inline_chunks.push_back(data.chunks[k]);
    } else {
      files.emplace_back(explorer_chunk_file(k), explorer_chunk_script(k, data.chunks[k]));
    }
  }
  files.insert(files.begin(),
               {"explorer.html", explorer_page(data.page.value("title", ""), script_safe(data.page),
                                               inline_chunks)});
  return files;
}

std::string explorer_chunk_script(size_t k, const std::string& chunk) {
  return "privqaExplorerChunk(" + std::to_string(k) + ", " + chunk + ");\n";
}

std::string explorer_paired_link(size_t run, const Group& condition, const Group& baseline,
                                 char which) {
  std::vector<std::string> fields;
  if (run > 0) fields.push_back(hash_field("run", std::to_string(run)));
  add_group_filters(condition, fields);
  add_group_filters(baseline, fields);
  fields.push_back(hash_field(scenario_id(baseline.scenario), which == 'b' ? "right" : "wrong"));
  fields.push_back(hash_field(scenario_id(condition.scenario), which == 'b' ? "wrong" : "right"));
  return explorer_link(fields);
}

std::string explorer_difference_link(size_t later, const Group& group, char which) {
  std::vector<std::string> fields = {hash_field("diff", std::string(1, which)),
                                     hash_field("drun", std::to_string(later)),
                                     hash_field("dscen", scenario_id(group.scenario))};
  add_group_filters(group, fields);
  return explorer_link(fields);
}

Result<std::filesystem::path> write_explorer(const std::vector<RunData>& runs,
                                             const std::vector<RunReport>& reports,
                                             const std::filesystem::path& dir,
                                             const ExplorerOptions& options) {
  const auto make_directory = [&](const std::filesystem::path& d) -> Status {
    std::error_code ec;
    std::filesystem::create_directories(d, ec);
    if (ec) return Error(d.string() + ": cannot create the explorer's directory: " + ec.message());
    return Status::Ok();
  };
  if (Status s = make_directory(dir); !s) return s.error();
  // Chunk files are written as they are made; the first failure stops the
  // writing and is returned.
  Status written = Status::Ok();
  const auto data = explorer_data(runs, reports, options, [&](size_t k, const std::string& chunk) {
    if (written && k == 0) written = make_directory(dir / "explorer-data");
    if (written) {
      written = write_file_atomic(dir / explorer_chunk_file(k), explorer_chunk_script(k, chunk));
    }
  });
  if (!data) return data.error();
  if (!written) return written.error();
  const auto files = explorer_files(*data);
  for (const auto& [name, contents] : files) {
    if (auto s = write_file_atomic(dir / name, contents); !s) return s.error();
  }
  return dir / "explorer.html";
}

}  // namespace privqa::report
