#include "privqa/store/store_shared.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

namespace privqa::store_shared {

using nlohmann::json;

std::string table_definitions(const ColumnTypes& t) {
  return fmt::format(R"sql(
CREATE TABLE IF NOT EXISTS run (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  fingerprint TEXT NOT NULL,
  config_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key {key} PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cells (
  cell_key {key} PRIMARY KEY,
  question_id TEXT NOT NULL,
  scenario TEXT NOT NULL,
  mechanism TEXT NOT NULL,
  eps {real} NOT NULL,
  repeat INTEGER NOT NULL,
  status TEXT NOT NULL,
  sanitized TEXT NOT NULL,
  cot TEXT NOT NULL,
  raw_answer TEXT NOT NULL,
  parsed INTEGER NOT NULL,
  parse_method TEXT NOT NULL,
  gold INTEGER NOT NULL,
  correct INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  latency {real} NOT NULL,
  local_tokens_in {integer} NOT NULL,
  local_tokens_out {integer} NOT NULL,
  remote_tokens_in {integer} NOT NULL,
  remote_tokens_out {integer} NOT NULL,
  error TEXT NOT NULL,
  details TEXT NOT NULL,
  finished_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cells_question ON cells (question_id);
)sql",
                     fmt::arg("key", t.key), fmt::arg("real", t.real),
                     fmt::arg("integer", t.integer));
}

const char* cell_columns(ResultStore::CellFields fields) {
  switch (fields) {
    case ResultStore::CellFields::kAll:
      return "cell_key, question_id, scenario, mechanism, eps, repeat, status, sanitized, cot, "
             "raw_answer, parsed, parse_method, gold, attempts, latency, local_tokens_in, "
             "local_tokens_out, remote_tokens_in, remote_tokens_out, error, details";
    case ResultStore::CellFields::kOutcomes:
      return "cell_key, question_id, scenario, mechanism, eps, repeat, status, '', '', '', "
             "parsed, parse_method, gold, attempts, latency, local_tokens_in, local_tokens_out, "
             "remote_tokens_in, remote_tokens_out, '', ''";
  }
  return "";
}

std::string put_cell_sql(bool numbered) {
  static constexpr const char* kColumns[] = {"cell_key",
                                             "question_id",
                                             "scenario",
                                             "mechanism",
                                             "eps",
                                             "repeat",
                                             "status",
                                             "sanitized",
                                             "cot",
                                             "raw_answer",
                                             "parsed",
                                             "parse_method",
                                             "gold",
                                             "correct",
                                             "attempts",
                                             "latency",
                                             "local_tokens_in",
                                             "local_tokens_out",
                                             "remote_tokens_in",
                                             "remote_tokens_out",
                                             "error",
                                             "details",
                                             "finished_at"};
  std::string values, updates;
  for (size_t i = 0; i < std::size(kColumns); ++i) {
    if (i > 0) values += ',';
    values += numbered ? fmt::format("${}", i + 1) : "?";
    if (i > 1) updates += ", ";
    if (i > 0) updates += fmt::format("{0} = excluded.{0}", kColumns[i]);
  }
  return fmt::format(
      "INSERT INTO cells VALUES ({}) ON CONFLICT (cell_key) DO UPDATE SET {} "
      "WHERE cells.status <> 'ok' RETURNING 1",
      values, updates);
}

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string writer_tag() {
  char host[256] = "";
  ::gethostname(host, sizeof host - 1);
  return fmt::format("pid {} on {}, since {}", ::getpid(), host, utc_now());
}

Error writer_busy(const std::string& where, ResultStore& store) {
  std::string holder = "another privqa run";
  if (auto meta = store.meta(); meta && meta->count(kWriterKey) != 0) {
    holder += " (" + meta->at(kWriterKey) + ")";
  }
  return Error(where + ": " + holder +
               " is writing this store; wait for it to finish or stop it, then run again");
}

namespace {

// bind_run's refusal of a store that holds another configuration.
Error different_configuration(const std::string& where, const RunRecord& existing) {
  return Error(where + ": holds results of a different configuration (created " +
               existing.created_at +
               "); give the run a new output path, or delete this file to start over");
}

}  // namespace

Result<RunRecord> decode_run(const std::string& where, std::string fingerprint,
                             std::string_view config_json, std::string created_at) {
  const json j = json::parse(config_json, nullptr, false);
  if (j.is_discarded()) return Error(where + ": the run record is not valid JSON");
  auto run = run_from_json(j, where + ": the run record");
  if (!run) return run.error();
  run->fingerprint = std::move(fingerprint);
  run->created_at = std::move(created_at);
  return run;
}

namespace {

Result<json> session_array(const std::string& where, const std::optional<std::string>& stored) {
  if (!stored) return json::array();
  json all = json::parse(*stored, nullptr, false);
  if (!all.is_array()) {
    return Error(where + ": the session records (meta 'sessions') are not a JSON array");
  }
  return all;
}

Result<std::vector<SessionRecord>> parse_sessions(const std::string& where, const json& all) {
  std::vector<SessionRecord> out;
  for (const json& j : all) {
    auto session = session_from_json(j, fmt::format("{}: session {}", where, out.size() + 1));
    if (!session) return session.error();
    out.push_back(std::move(*session));
  }
  return out;
}

}  // namespace

Result<std::vector<SessionRecord>> decode_sessions(const std::string& where,
                                                   const std::optional<std::string>& stored) {
  auto all = session_array(where, stored);
  if (!all) return all.error();
  return parse_sessions(where, *all);
}

Status SharedResultStore::bind_run(const RunRecord& run) {
  auto existing = this->run();
  if (!existing) return existing.error();
  if (*existing) {
    if ((*existing)->fingerprint == run.fingerprint) return Status::Ok();
    return different_configuration(where(), **existing);
  }
  auto inserted = insert_run(run);
  if (!inserted) return inserted.error();
  // Another process recorded a run first: it must be this one.
  return *inserted ? Status::Ok() : bind_run(run);
}

Result<size_t> SharedResultStore::append_session(const SessionRecord& session) {
  return edit_sessions([&session](json& all) -> Result<size_t> {
    all.push_back(to_json(session));
    return all.size() - 1;
  });
}

Status SharedResultStore::replace_session(size_t index, const SessionRecord& session) {
  auto replaced = edit_sessions([&](json& all) -> Result<size_t> {
    if (index >= all.size()) {
      return Error(fmt::format("{}: there is no session {} to rewrite", where(), index + 1));
    }
    all[index] = to_json(session);
    return index;
  });
  if (!replaced) return replaced.error();
  return Status::Ok();
}

Result<std::vector<SessionRecord>> SharedResultStore::sessions() {
  auto stored = stored_sessions();
  if (!stored) return stored.error();
  return decode_sessions(where(), *stored);
}

Result<size_t> SharedResultStore::edit_sessions(const std::function<Result<size_t>(json&)>& edit) {
  return in_write_transaction([&]() -> Result<size_t> {
    auto stored = stored_sessions();
    if (!stored) return stored.error();
    auto all = session_array(where(), *stored);
    if (!all) return all.error();
    if (auto valid = parse_sessions(where(), *all); !valid) return valid.error();
    auto edited = edit(*all);
    if (!edited) return edited;
    if (Status s = write_meta(kSessionsKey, all->dump()); !s) return s.error();
    return edited;
  });
}

Status SharedResultStore::set_meta(const std::string& key, const std::string& value) {
  if (key == kSessionsKey) {
    return Error(where() + ": meta key 'sessions' is written by append_session only");
  }
  return write_meta(key, value);
}

std::string status_text(CellStatus status) {
  return status == CellStatus::kOk ? "ok" : "error";
}

Status decode_labels(const std::string& where, const std::string& key, const std::string& scenario,
                     const std::string& status, CellResult& cell) {
  if (!parse_scenario(scenario, cell.key.scenario)) {
    return Error(fmt::format("{}: cell {}: unknown scenario '{}'", where, key, scenario));
  }
  if (status != "ok" && status != "error") {
    return Error(fmt::format("{}: cell {}: unknown status '{}'", where, key, status));
  }
  cell.status = status == "ok" ? CellStatus::kOk : CellStatus::kError;
  return Status::Ok();
}

}  // namespace privqa::store_shared
