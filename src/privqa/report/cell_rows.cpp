#include "privqa/report/cell_rows.h"

#include <optional>

namespace privqa::report {

namespace {

std::string option_letter(int index) {
  return index >= 0 ? std::string(1, static_cast<char>('A' + index)) : "";
}

// The eps an S3 cell's text spent (docs/mechanisms.md, "Privacy accounting
// per text"): kNotDp for PhraseDP, null when none was recorded.
nlohmann::json eps_spent(const CellResult& c, const std::set<std::string>& non_dp) {
  if (c.key.scenario != Scenario::kPrivateCot) return nullptr;
  const CellBudget b = cell_budget(c, non_dp);
  if (!b.dp) return kNotDp;
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

}  // namespace

CellRows::CellRows(const RunData& run)
    : run_(run),
      local_model_(recorded_model(run.record, "local")),
      remote_model_(recorded_model(run.record, "remote")),
      non_dp_(non_dp_mechanisms(run.record)),
      costs_(run) {
  for (const auto& q : run.corpus)
    subject_of_[q.id] = q.subject;
}

nlohmann::ordered_json CellRows::row(size_t i, const RowOptions& options) const {
  const size_t n = run_.cells.size();
  return row(i < n ? run_.cells.at(i) : run_.attack_cells.at(i - n), options);
}

nlohmann::ordered_json CellRows::blank(const RowOptions& options) const {
  return row(CellResult{}, options);
}

nlohmann::ordered_json CellRows::row(const CellResult& c, const RowOptions& options) const {
  nlohmann::ordered_json j;
  j["run_id"] = run_.record.fingerprint;
  j["simulated"] = run_.simulated;
  j["local_model"] = local_model_;
  j["remote_model"] = remote_model_;
  j["question_id"] = c.key.question_id;
  const auto subject = subject_of_.find(c.key.question_id);
  j["subject"] = subject == subject_of_.end() ? "" : subject->second;
  j["scenario"] = scenario_id(c.key.scenario);
  j["mechanism"] = c.key.mechanism;
  // Only S3, A1 and A2 have an eps; 0 would read as a (meaningless) budget of zero.
  j["eps"] = c.key.mechanism.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.key.eps);
  j["eps_spent"] = eps_spent(c, non_dp_);
  j["repeat"] = c.key.repeat;
  j["status"] = c.status == CellStatus::kOk ? "ok" : "error";
  j["gold"] = option_letter(c.gold);
  j["answer"] = option_letter(c.parsed);
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
  if (options.timing) {
    const CallTimes times = call_times(c);
    j["attempts"] = c.attempts;
    j["latency"] = c.latency;
    j["provider_seconds"] = optional_number(times.provider);
    j["admission_seconds"] = optional_number(times.admission);
    j["cost"] = costs_.of(c);
  }
  if (options.details) {
    // Details that are not JSON (none stored) read as null, never as a broken value.
    nlohmann::json details = nlohmann::json::parse(c.details, nullptr, false);
    j["details"] = details.is_discarded() ? nlohmann::json(nullptr) : std::move(details);
  }
  return j;
}

}  // namespace privqa::report
