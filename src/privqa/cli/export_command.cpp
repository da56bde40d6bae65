// privqa export RUN --format jsonl|csv: every stored cell, one per line/row.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "privqa/base/files.h"
#include "privqa/cli/commands.h"
#include "privqa/report/cell_rows.h"
#include "privqa/report/run_data.h"

namespace privqa::cli {

namespace {

struct ExportArgs {
  std::string run;
  std::string format = "jsonl";
  std::string out;
  bool details = false;
  bool no_timing = false;
};

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

int run_export(const ExportArgs& a) {
  auto loaded = report::load_run(a.run);
  if (!loaded) {
    std::cerr << "privqa: " << loaded.error().message() << "\n";
    return 2;
  }
  const report::CellRows rows(*loaded);
  const report::RowOptions options{.timing = !a.no_timing, .details = a.details};
  const auto dump = [](const nlohmann::ordered_json& v) {
    return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string text;
  if (a.format == "csv") {
    // The header comes from a blank cell, so a run without cells still has one.
    std::string line;
    const nlohmann::ordered_json blank = rows.blank(options);
    for (const auto& [key, value] : blank.items())
      line += (line.empty() ? "" : ",") + key;
    text += line + "\r\n";
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto j = rows.row(i, options);
    if (a.format == "jsonl") {
      text += dump(j) + "\n";
      continue;
    }
    std::string line;
    bool first = true;
    for (const auto& [key, value] : j.items()) {
      if (!first) line += ",";
      first = false;
      // null (no eps outside S3, no timing recorded) is an empty field.
      line += csv_field(value.is_string() ? value.get<std::string>()
                        : value.is_null() ? std::string()
                                          : dump(value));
    }
    text += line + "\r\n";
  }
  if (a.out.empty()) {
    std::cout << text;
    return 0;
  }
  if (auto s = write_file_atomic(a.out, text); !s) {
    std::cerr << "privqa: " << s.error().message() << "\n";
    return 1;
  }
  std::cerr << fmt::format("wrote {} cells to {}\n", rows.size(), a.out);
  return 0;
}

}  // namespace

void register_export_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export", "Export every cell of a run as JSON Lines or CSV");
  cmd->add_option("RUN", args->run,
                  "the run's store (the config's output: a path or a postgresql:// URL)")
      ->required();
  cmd->add_option("--format", args->format, "jsonl or csv")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "write here (atomically) instead of standard output");
  cmd->add_flag("--details", args->details, "include per-call details (JSON)");
  cmd->add_flag("--no-timing", args->no_timing,
                "leave out attempts, latency, provider and admission seconds and cost, which "
                "depend on how the run went (load, retries, interruptions), not on its results");
  cmd->callback([args, &exit_code] { exit_code = run_export(*args); });
}

}  // namespace privqa::cli
