#include "privqa/store/result_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <functional>

#include "privqa/store/sqlite.h"

namespace privqa {

namespace {

using nlohmann::json;

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The meta key holding the session records, a JSON array.
constexpr const char* kSessionsKey = "sessions";
// The meta key naming the process that last claimed the store for writing.
constexpr const char* kWriterKey = "writer";

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
  explicit SqliteResultStore(sqlite::Database db) : db_(std::move(db)) {}
  ~SqliteResultStore() override {
    if (writer_fd_ >= 0) ::close(writer_fd_);  // releases the claim
  }
  SqliteResultStore(const SqliteResultStore&) = delete;
  SqliteResultStore& operator=(const SqliteResultStore&) = delete;

  // An flock on a descriptor of our own: SQLite's locks are fcntl locks on
  // its own descriptors, which an flock neither blocks nor releases.
  Status claim_writer() override {
    if (writer_fd_ >= 0) return Status::Ok();
    const int fd = ::open(path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error(fmt::format("{}: cannot open: {}", path(), std::strerror(errno)));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      ::close(fd);
      if (error != EWOULDBLOCK) {
        return Error(fmt::format("{}: cannot lock: {}", path(), std::strerror(error)));
      }
      std::string holder = "another privqa run";
      if (auto meta = this->meta(); meta && meta->count(kWriterKey) != 0) {
        holder += " (" + meta->at(kWriterKey) + ")";
      }
      return Error(path() + ": " + holder +
                   " is writing this store; wait for it to finish or stop it, then run again");
    }
    writer_fd_ = fd;
    char host[256] = "";
    ::gethostname(host, sizeof host - 1);
    return write_meta(kWriterKey,
                      fmt::format("pid {} on {}, since {}", ::getpid(), host, utc_now()));
  }

  Status bind_run(const RunRecord& run) override {
    auto existing = this->run();
    if (!existing) return existing.error();
    if (*existing) {
      if ((*existing)->fingerprint == run.fingerprint) return Status::Ok();
      return Error(path() + ": holds results of a different configuration (created " +
                   (*existing)->created_at +
                   "); give the run a new output path, or delete this file to start over");
    }
    auto s = db_.prepare(
        "INSERT INTO run (id, fingerprint, config_json, created_at) VALUES (1, ?, ?, ?)");
    if (!s) return s.error();
    return s->bind_text(1, run.fingerprint)
        .bind_text(2, to_json(run).dump())
        .bind_text(3, run.created_at.empty() ? utc_now() : run.created_at)
        .run("record the run");
  }

  Result<std::optional<RunRecord>> run() override {
    auto s = db_.prepare("SELECT fingerprint, config_json, created_at FROM run WHERE id = 1");
    if (!s) return s.error();
    auto row = s->step("read the run");
    if (!row) return row.error();
    if (!*row) return std::optional<RunRecord>();
    const json j = json::parse(s->column_text(1), nullptr, false);
    if (j.is_discarded()) return Error(path() + ": the run record is not valid JSON");
    auto run = run_from_json(j, path() + ": the run record");
    if (!run) return run.error();
    run->fingerprint = s->column_text(0);
    run->created_at = s->column_text(2);
    return std::optional<RunRecord>(std::move(*run));
  }

  Result<size_t> append_session(const SessionRecord& session) override {
    return edit_sessions([&](json& all) -> Result<size_t> {
      all.push_back(to_json(session));
      return all.size() - 1;
    });
  }

  Status replace_session(size_t index, const SessionRecord& session) override {
    auto replaced = edit_sessions([&](json& all) -> Result<size_t> {
      if (index >= all.size()) {
        return Error(fmt::format("{}: there is no session {} to rewrite", path(), index + 1));
      }
      all[index] = to_json(session);
      return index;
    });
    if (!replaced) return replaced.error();
    return Status::Ok();
  }

  Result<std::vector<SessionRecord>> sessions() override {
    auto stored = stored_sessions();
    if (!stored) return stored.error();
    if (!*stored) return std::vector<SessionRecord>();
    return parse_sessions(**stored);
  }

  Status set_meta(const std::string& key, const std::string& value) override {
    if (key == kSessionsKey) {
      return Error(path() + ": meta key 'sessions' is written by append_session only");
    }
    return write_meta(key, value);
  }

  Result<std::map<std::string, std::string>> meta() override {
    auto s = db_.prepare("SELECT key, value FROM meta WHERE key != ?");
    if (!s) return s.error();
    s->bind_text(1, kSessionsKey);
    std::map<std::string, std::string> out;
    Result<bool> row = false;
    while ((row = s->step("read meta")) && *row)
      out[s->column_text(0)] = s->column_text(1);
    if (!row) return row.error();
    return out;
  }

  Status put(const CellResult& c) override {
    if (!put_) {
      auto s = db_.prepare(
          "INSERT OR REPLACE INTO cells VALUES "
          "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      if (!s) return s.error();
      put_.emplace(std::move(*s));
    }
    sqlite::Statement& s = *put_;
    int i = 1;
    s.bind_text(i++, c.key.str());
    s.bind_text(i++, c.key.question_id);
    s.bind_text(i++, scenario_id(c.key.scenario));
    s.bind_text(i++, c.key.mechanism);
    s.bind_double(i++, c.key.eps);
    s.bind_int64(i++, c.key.repeat);
    s.bind_text(i++, c.status == CellStatus::kOk ? "ok" : "error");
    s.bind_text(i++, c.sanitized);
    s.bind_text(i++, c.cot);
    s.bind_text(i++, c.raw_answer);
    s.bind_int64(i++, c.parsed);
    s.bind_text(i++, c.parse_method);
    s.bind_int64(i++, c.gold);
    s.bind_int64(i++, c.correct() ? 1 : 0);
    s.bind_int64(i++, c.attempts);
    s.bind_double(i++, c.latency);
    s.bind_int64(i++, c.local_tokens_in);
    s.bind_int64(i++, c.local_tokens_out);
    s.bind_int64(i++, c.remote_tokens_in);
    s.bind_int64(i++, c.remote_tokens_out);
    s.bind_text(i++, c.error);
    s.bind_text(i++, c.details);
    s.bind_text(i++, utc_now());
    return s.run("write cell " + c.key.str());
  }

  Result<std::unordered_set<std::string>> finished_keys() override {
    auto s = db_.prepare("SELECT cell_key FROM cells WHERE status = 'ok'");
    if (!s) return s.error();
    std::unordered_set<std::string> keys;
    Result<bool> row = false;
    while ((row = s->step("read cells")) && *row)
      keys.insert(s->column_text(0));
    if (!row) return row.error();
    return keys;
  }

  Result<std::vector<CellResult>> cells() override {
    auto s = db_.prepare(
        "SELECT cell_key, question_id, scenario, mechanism, eps, repeat, status, sanitized, cot, "
        "raw_answer, parsed, parse_method, gold, attempts, latency, local_tokens_in, "
        "local_tokens_out, remote_tokens_in, remote_tokens_out, error, details "
        "FROM cells ORDER BY cell_key");
    if (!s) return s.error();
    std::vector<CellResult> out;
    Result<bool> row = false;
    while ((row = s->step("read cells")) && *row) {
      CellResult c;
      int i = 0;
      const std::string key = s->column_text(i++);
      c.key.question_id = s->column_text(i++);
      const std::string scenario = s->column_text(i++);
      if (!parse_scenario(scenario, c.key.scenario)) {
        return Error(fmt::format("{}: cell {}: unknown scenario '{}'", path(), key, scenario));
      }
      c.key.mechanism = s->column_text(i++);
      c.key.eps = s->column_double(i++);
      c.key.repeat = static_cast<int>(s->column_int64(i++));
      const std::string status = s->column_text(i++);
      if (status != "ok" && status != "error") {
        return Error(fmt::format("{}: cell {}: unknown status '{}'", path(), key, status));
      }
      c.status = status == "ok" ? CellStatus::kOk : CellStatus::kError;
      c.sanitized = s->column_text(i++);
      c.cot = s->column_text(i++);
      c.raw_answer = s->column_text(i++);
      c.parsed = static_cast<int>(s->column_int64(i++));
      c.parse_method = s->column_text(i++);
      c.gold = static_cast<int>(s->column_int64(i++));
      c.attempts = static_cast<int>(s->column_int64(i++));
      c.latency = s->column_double(i++);
      c.local_tokens_in = s->column_int64(i++);
      c.local_tokens_out = s->column_int64(i++);
      c.remote_tokens_in = s->column_int64(i++);
      c.remote_tokens_out = s->column_int64(i++);
      c.error = s->column_text(i++);
      c.details = s->column_text(i++);
      out.push_back(std::move(c));
    }
    if (!row) return row.error();
    return out;
  }

 private:
  std::string path() const { return db_.path().string(); }

  Status write_meta(const std::string& key, const std::string& value) {
    auto s = db_.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    if (!s) return s.error();
    return s->bind_text(1, key).bind_text(2, value).run("write meta " + key);
  }

  // Reads the session records, lets `edit` change them, writes them back,
  // all under the write lock: two processes at once both keep their
  // sessions. Records that cannot be read stop the edit rather than being
  // carried along or dropped.
  Result<size_t> edit_sessions(const std::function<Result<size_t>(json&)>& edit) {
    auto transaction = sqlite::Transaction::begin(db_);
    if (!transaction) return transaction.error();
    auto stored = stored_sessions();
    if (!stored) return stored.error();
    json all = stored->value_or(json::array());
    if (auto valid = parse_sessions(all); !valid) return valid.error();
    auto edited = edit(all);
    if (!edited) return edited;
    if (Status s = write_meta(kSessionsKey, all.dump()); !s) return s.error();
    if (Status s = transaction->commit(); !s) return s.error();
    return edited;
  }

  // The stored session array, checked to be one; nullopt when none is stored.
  Result<std::optional<json>> stored_sessions() {
    auto s = db_.prepare("SELECT value FROM meta WHERE key = ?");
    if (!s) return s.error();
    s->bind_text(1, kSessionsKey);
    auto row = s->step("read the session records");
    if (!row) return row.error();
    if (!*row) return std::optional<json>();
    json all = json::parse(s->column_text(0), nullptr, false);
    s->reset();
    if (!all.is_array()) {
      return Error(path() + ": the session records (meta 'sessions') are not a JSON array");
    }
    return std::optional<json>(std::move(all));
  }

  Result<std::vector<SessionRecord>> parse_sessions(const json& all) const {
    std::vector<SessionRecord> out;
    for (const json& j : all) {
      auto session = session_from_json(j, fmt::format("{}: session {}", path(), out.size() + 1));
      if (!session) return session.error();
      out.push_back(std::move(*session));
    }
    return out;
  }

  sqlite::Database db_;
  std::optional<sqlite::Statement> put_;
  int writer_fd_ = -1;  // holds the writer claim's flock
};

}  // namespace

Result<std::unique_ptr<ResultStore>> open_sqlite_store(const std::filesystem::path& path,
                                                       bool read_only) {
  if (!read_only && path.has_parent_path()) {
    std::error_code ec;  // a folder that cannot be made fails the open below
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  auto db = sqlite::Database::open(
      path, read_only ? sqlite::OpenMode::kReadOnly : sqlite::OpenMode::kReadWrite);
  if (!db) return db.error();
  if (!read_only) {
    if (Status s = db->exec(kSchema, "create the run store tables"); !s) return s.error();
  } else {
    // A run killed while it created its store leaves a file without tables.
    auto tables =
        db->prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cells'");
    if (!tables) return tables.error();
    auto found = tables->step("look for the run store tables");
    if (!found) return found.error();
    if (!*found) {
      return Error(path.string() +
                   ": no run recorded in this store (its first run stopped before creating it)");
    }
  }
  return std::unique_ptr<ResultStore>(new SqliteResultStore(std::move(*db)));
}

}  // namespace privqa
