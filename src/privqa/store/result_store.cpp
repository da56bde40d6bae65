#include "privqa/store/result_store.h"

#include <sqlite3.h>

#include <chrono>
#include <ctime>

namespace privqa {

namespace {

// Owns a prepared statement; resets it on every use.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() { return stmt_; }
  bool ok() const { return stmt_ != nullptr; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

std::string column_text(sqlite3_stmt* s, int i) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return text ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(s, i))) : "";
}

void bind_text(sqlite3_stmt* s, int i, const std::string& value) {
  sqlite3_bind_text(s, i, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS run (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  fingerprint TEXT NOT NULL,
  config_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cells (
  cell_key TEXT PRIMARY KEY,
  question_id TEXT NOT NULL,
  scenario TEXT NOT NULL,
  mechanism TEXT NOT NULL,
  eps REAL NOT NULL,
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
  latency REAL NOT NULL,
  local_tokens_in INTEGER NOT NULL,
  local_tokens_out INTEGER NOT NULL,
  remote_tokens_in INTEGER NOT NULL,
  remote_tokens_out INTEGER NOT NULL,
  error TEXT NOT NULL,
  details TEXT NOT NULL,
  finished_at TEXT NOT NULL
);
)sql";

class SqliteResultStore final : public ResultStore {
 public:
  SqliteResultStore(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  ~SqliteResultStore() override {
    put_.reset();  // a connection with a live statement would not close
    sqlite3_close(db_);
  }

  Status bind_run(const RunRecord& run) override {
    auto existing = this->run();
    if (!existing) return existing.error();
    if (*existing) {
      if ((*existing)->fingerprint == run.fingerprint) return Status::Ok();
      return Error(path_.string() + ": holds results of a different configuration (created " +
                   (*existing)->created_at +
                   "); give the run a new output path, or delete this file to start over");
    }
    Statement s(db_, "INSERT INTO run (id, fingerprint, config_json, created_at) VALUES (1,?,?,?)");
    if (!s.ok()) return fail("prepare");
    bind_text(s.get(), 1, run.fingerprint);
    bind_text(s.get(), 2, run.config_json);
    bind_text(s.get(), 3, run.created_at.empty() ? utc_now() : run.created_at);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return fail("record the run");
    return Status::Ok();
  }

  Result<std::optional<RunRecord>> run() override {
    Statement s(db_, "SELECT fingerprint, config_json, created_at FROM run WHERE id = 1");
    if (!s.ok()) return fail("prepare");
    const int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return std::optional<RunRecord>();
    if (rc != SQLITE_ROW) return fail("read the run");
    return std::optional<RunRecord>(
        RunRecord{column_text(s.get(), 0), column_text(s.get(), 1), column_text(s.get(), 2)});
  }

  Status set_meta(const std::string& key, const std::string& value) override {
    Statement s(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    if (!s.ok()) return fail("prepare");
    bind_text(s.get(), 1, key);
    bind_text(s.get(), 2, value);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return fail("write meta " + key);
    return Status::Ok();
  }

  Result<std::map<std::string, std::string>> meta() override {
    Statement s(db_, "SELECT key, value FROM meta");
    if (!s.ok()) return fail("prepare");
    std::map<std::string, std::string> out;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      out[column_text(s.get(), 0)] = column_text(s.get(), 1);
    }
    if (rc != SQLITE_DONE) return fail("read meta");
    return out;
  }

  Status put(const CellResult& c) override {
    if (!put_) {
      put_ = std::make_unique<Statement>(db_,
                                         "INSERT OR REPLACE INTO cells VALUES "
                                         "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      if (!put_->ok()) return fail("prepare");
    }
    sqlite3_stmt* s = put_->get();
    sqlite3_reset(s);
    int i = 1;
    bind_text(s, i++, c.key.str());
    bind_text(s, i++, c.key.question_id);
    bind_text(s, i++, scenario_id(c.key.scenario));
    bind_text(s, i++, c.key.mechanism);
    sqlite3_bind_double(s, i++, c.key.eps);
    sqlite3_bind_int(s, i++, c.key.repeat);
    bind_text(s, i++, c.status == CellStatus::kOk ? "ok" : "error");
    bind_text(s, i++, c.sanitized);
    bind_text(s, i++, c.cot);
    bind_text(s, i++, c.raw_answer);
    sqlite3_bind_int(s, i++, c.parsed);
    bind_text(s, i++, c.parse_method);
    sqlite3_bind_int(s, i++, c.gold);
    sqlite3_bind_int(s, i++, c.correct() ? 1 : 0);
    sqlite3_bind_int(s, i++, c.attempts);
    sqlite3_bind_double(s, i++, c.latency);
    sqlite3_bind_int64(s, i++, c.local_tokens_in);
    sqlite3_bind_int64(s, i++, c.local_tokens_out);
    sqlite3_bind_int64(s, i++, c.remote_tokens_in);
    sqlite3_bind_int64(s, i++, c.remote_tokens_out);
    bind_text(s, i++, c.error);
    bind_text(s, i++, c.details);
    bind_text(s, i++, utc_now());
    if (sqlite3_step(s) != SQLITE_DONE) return fail("write cell " + c.key.str());
    return Status::Ok();
  }

  Result<std::unordered_set<std::string>> finished_keys() override {
    Statement s(db_, "SELECT cell_key FROM cells WHERE status = 'ok'");
    if (!s.ok()) return fail("prepare");
    std::unordered_set<std::string> keys;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW)
      keys.insert(column_text(s.get(), 0));
    if (rc != SQLITE_DONE) return fail("read cells");
    return keys;
  }

  Result<std::vector<CellResult>> cells() override {
    Statement s(db_,
                "SELECT question_id, scenario, mechanism, eps, repeat, status, sanitized, cot, "
                "raw_answer, parsed, parse_method, gold, attempts, latency, local_tokens_in, "
                "local_tokens_out, remote_tokens_in, remote_tokens_out, error, details "
                "FROM cells ORDER BY cell_key");
    if (!s.ok()) return fail("prepare");
    std::vector<CellResult> out;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      sqlite3_stmt* r = s.get();
      CellResult c;
      int i = 0;
      c.key.question_id = column_text(r, i++);
      if (!parse_scenario(column_text(r, i++), c.key.scenario)) {
        return Error(path_.string() + ": a cell has an unknown scenario");
      }
      c.key.mechanism = column_text(r, i++);
      c.key.eps = sqlite3_column_double(r, i++);
      c.key.repeat = sqlite3_column_int(r, i++);
      c.status = column_text(r, i++) == "ok" ? CellStatus::kOk : CellStatus::kError;
      c.sanitized = column_text(r, i++);
      c.cot = column_text(r, i++);
      c.raw_answer = column_text(r, i++);
      c.parsed = sqlite3_column_int(r, i++);
      c.parse_method = column_text(r, i++);
      c.gold = sqlite3_column_int(r, i++);
      c.attempts = sqlite3_column_int(r, i++);
      c.latency = sqlite3_column_double(r, i++);
      c.local_tokens_in = sqlite3_column_int64(r, i++);
      c.local_tokens_out = sqlite3_column_int64(r, i++);
      c.remote_tokens_in = sqlite3_column_int64(r, i++);
      c.remote_tokens_out = sqlite3_column_int64(r, i++);
      c.error = column_text(r, i++);
      c.details = column_text(r, i++);
      out.push_back(std::move(c));
    }
    if (rc != SQLITE_DONE) return fail("read cells");
    return out;
  }

 private:
  Error fail(const std::string& what) const {
    return Error(path_.string() + ": cannot " + what + ": " + sqlite3_errmsg(db_));
  }

  sqlite3* db_;
  std::filesystem::path path_;
  std::unique_ptr<Statement> put_;
};

}  // namespace

Result<std::unique_ptr<ResultStore>> open_sqlite_store(const std::filesystem::path& path,
                                                       bool read_only) {
  if (read_only && !std::filesystem::exists(path)) {
    return Error(path.string() + ": no such run store");
  }
  if (!read_only && path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  sqlite3* db = nullptr;
  const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    Error e(path.string() + ": cannot open: " + (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 10'000);
  // WAL with synchronous=NORMAL: a committed row survives the process being
  // killed (the OS has it); only a power loss can drop the last commits.
  const char* setup = read_only ? "PRAGMA query_only = 1;"
                                : "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";
  char* message = nullptr;
  if (sqlite3_exec(db, setup, nullptr, nullptr, &message) != SQLITE_OK ||
      (!read_only && sqlite3_exec(db, kSchema, nullptr, nullptr, &message) != SQLITE_OK)) {
    Error e(path.string() + ": not a usable run store: " + (message ? message : "?"));
    sqlite3_free(message);
    sqlite3_close(db);
    return e;
  }
  return std::unique_ptr<ResultStore>(new SqliteResultStore(db, path));
}

}  // namespace privqa
