// privqa export RUN --format jsonl|csv: every stored cell, one per line/row.
#include <fmt/format.h>

#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "privqa/base/files.h"
#include "privqa/cli/commands.h"
#include "privqa/report/run_data.h"
#include "privqa/report/run_report.h"

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

// What every row of a run shares.
struct RunFields {
  std::string run_id;  // the run's fingerprint
  bool simulated = false;
  std::string local_model, remote_model;
  std::map<std::string, std::string> subject_of;  // question id -> subject
  std::set<std::string> non_dp;                   // mechanisms without a DP guarantee
};

// The eps an S3 cell's text spent (docs/mechanisms.md, "Privacy accounting
// per text"): report::kNotDp for PhraseDP, null when none was recorded.
nlohmann::json eps_spent(const CellResult& c, const RunFields& run) {
  if (c.key.scenario != Scenario::kPrivateCot) return nullptr;
  const report::CellBudget b = report::cell_budget(c, run.non_dp);
  if (!b.dp) return report::kNotDp;
  return b.eps_spent ? nlohmann::json(*b.eps_spent) : nlohmann::json(nullptr);
}

// Time the cell's calls spent waiting for admission and with the provider,
// summed from its details; none for cells stored before calls recorded them.
struct CallTimes {
  std::optional<double> admission, provider;
};

CallTimes call_times(const CellResult& c) {
  const nlohmann::json details = nlohmann::json::parse(c.details, nullptr, false);
  if (!details.is_object() || !details.contains("calls")) return {};
  double admission = 0, provider = 0;
  for (const auto& call : details["calls"]) {
    if (!call.contains("admission_seconds") || !call.contains("provider_seconds")) return {};
    admission += call["admission_seconds"].get<double>();
    provider += call["provider_seconds"].get<double>();
  }
  return {admission, provider};
}

nlohmann::json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// The fields of a cell, in export order.
nlohmann::ordered_json fields(const CellResult& c, const RunFields& run, double cost,
                              const ExportArgs& a) {
  nlohmann::ordered_json j;
  j["run_id"] = run.run_id;
  j["simulated"] = run.simulated;
  j["local_model"] = run.local_model;
  j["remote_model"] = run.remote_model;
  j["question_id"] = c.key.question_id;
  const auto subject = run.subject_of.find(c.key.question_id);
  j["subject"] = subject == run.subject_of.end() ? "" : subject->second;
  j["scenario"] = scenario_id(c.key.scenario);
  j["mechanism"] = c.key.mechanism;
  // Only S3, A1 and A2 have an eps; 0 would read as a (meaningless) budget of zero.
  j["eps"] = c.key.mechanism.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.key.eps);
  j["eps_spent"] = eps_spent(c, run);
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
    const CallTimes times = call_times(c);
    j["attempts"] = c.attempts;
    j["latency"] = c.latency;
    j["provider_seconds"] = optional_number(times.provider);
    j["admission_seconds"] = optional_number(times.admission);
    j["cost"] = cost;
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
  auto loaded = report::load_run(a.run);
  if (!loaded) {
    std::cerr << "privqa: " << loaded.error().message() << "\n";
    return 2;
  }
  report::RunData data = std::move(*loaded);
  // Every cell of the run, the attacks' after the experiment's.
  std::move(data.attack_cells.begin(), data.attack_cells.end(), std::back_inserter(data.cells));
  RunFields run;
  run.run_id = data.record.fingerprint;
  run.simulated = data.simulated;
  run.local_model = report::recorded_model(data.record, "local");
  run.remote_model = report::recorded_model(data.record, "remote");
  run.non_dp = report::non_dp_mechanisms(data.record);
  for (const auto& q : data.corpus)
    run.subject_of[q.id] = q.subject;
  const std::vector<double> costs = report::cell_costs(data);
  const std::vector<CellResult>& cells = data.cells;
  const auto dump = [](const nlohmann::ordered_json& v) {
    return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::string text;
  if (a.format == "csv") {
    // The header comes from a blank cell, so a run without cells still has one.
    std::string line;
    const auto blank = fields(CellResult{}, run, 0, a);
    for (const auto& [key, value] : blank.items())
      line += (line.empty() ? "" : ",") + key;
    text += line + "\r\n";
  }
  for (size_t i = 0; i < cells.size(); ++i) {
    const auto j = fields(cells[i], run, costs[i], a);
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
  std::cerr << fmt::format("wrote {} cells to {}\n", cells.size(), a.out);
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
                "leave out attempts, latency, provider and admission seconds and cost, which "
                "depend on how the run went (load, retries, interruptions), not on its results");
  cmd->callback([args, &exit_code] { exit_code = run_export(*args); });
}

}  // namespace privqa::cli
