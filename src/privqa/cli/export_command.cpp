// privqa export RUN --format jsonl|csv: every stored cell, one per line/row.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "privqa/base/files.h"
#include "privqa/cli/commands.h"
#include "privqa/store/result_store.h"

namespace privqa::cli {

namespace {

struct ExportArgs {
  std::string run;
  std::string format = "jsonl";
  std::string out;
  bool details = false;
  bool no_timing = false;
};

std::string letter(int index) {
  return index >= 0 ? std::string(1, static_cast<char>('A' + index)) : "";
}

// The fields of a cell, in export order.
nlohmann::ordered_json fields(const CellResult& c, const ExportArgs& a) {
  nlohmann::ordered_json j;
  j["question_id"] = c.key.question_id;
  j["scenario"] = scenario_id(c.key.scenario);
  j["mechanism"] = c.key.mechanism;
  j["eps"] = c.key.eps;
  j["repeat"] = c.key.repeat;
  j["status"] = c.status == CellStatus::kOk ? "ok" : "error";
  j["gold"] = letter(c.gold);
  j["answer"] = letter(c.parsed);
  j["parse_method"] = c.parse_method;
  j["correct"] = c.correct();
  j["sanitized"] = c.sanitized;
  j["cot"] = c.cot;
  j["raw_answer"] = c.raw_answer;
  j["error"] = c.error;
  j["local_tokens_in"] = c.local_tokens_in;
  j["local_tokens_out"] = c.local_tokens_out;
  j["remote_tokens_in"] = c.remote_tokens_in;
  j["remote_tokens_out"] = c.remote_tokens_out;
  if (!a.no_timing) {
    j["attempts"] = c.attempts;
    j["latency"] = c.latency;
  }
  if (a.details) j["details"] = nlohmann::json::parse(c.details, nullptr, false);
  return j;
}

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
  auto store = open_sqlite_store(a.run, true);
  if (!store) {
    std::cerr << "privqa: " << store.error().message() << "\n";
    return 2;
  }
  auto cells = (*store)->cells();
  if (!cells) {
    std::cerr << "privqa: " << cells.error().message() << "\n";
    return 1;
  }
  std::string text;
  bool header = true;
  for (const auto& c : *cells) {
    const auto j = fields(c, a);
    if (a.format == "jsonl") {
      text += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      continue;
    }
    if (header) {
      std::string line;
      for (const auto& [key, value] : j.items())
        line += (line.empty() ? "" : ",") + key;
      text += line + "\r\n";
      header = false;
    }
    std::string line;
    bool first = true;
    for (const auto& [key, value] : j.items()) {
      if (!first) line += ",";
      first = false;
      line += csv_field(value.is_string()
                            ? value.get<std::string>()
                            : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
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
  std::cerr << fmt::format("wrote {} cells to {}\n", cells->size(), a.out);
  return 0;
}

}  // namespace

void register_export_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export", "Export every cell of a run as JSON Lines or CSV");
  cmd->add_option("RUN", args->run, "the run's store (the config's output path)")->required();
  cmd->add_option("--format", args->format, "jsonl or csv")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "write here (atomically) instead of standard output");
  cmd->add_flag("--details", args->details, "include per-call details (JSON)");
  cmd->add_flag("--no-timing", args->no_timing,
                "leave out latency and attempts, which vary from run to run");
  cmd->callback([args, &exit_code] { exit_code = run_export(*args); });
}

}  // namespace privqa::cli
