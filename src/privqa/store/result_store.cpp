#include "privqa/store/result_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "privqa/store/sqlite.h"
#include "privqa/store/store_shared.h"

namespace privqa {

namespace {

using store_shared::kSessionsKey;
using store_shared::kWriterKey;
using store_shared::utc_now;

class SqliteResultStore final : public store_shared::SharedResultStore {
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
    const int fd = ::open(where().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error(fmt::format("{}: cannot open: {}", where(), std::strerror(errno)));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      ::close(fd);
      if (error != EWOULDBLOCK) {
        return Error(fmt::format("{}: cannot lock: {}", where(), std::strerror(error)));
      }
      return store_shared::writer_busy(where(), *this);
    }
    writer_fd_ = fd;
    return write_meta(kWriterKey, store_shared::writer_tag());
  }

  Result<bool> insert_run(const RunRecord& run) override {
    auto s = db_.prepare(
        "INSERT INTO run (id, fingerprint, config_json, created_at) VALUES (1, ?, ?, ?)");
    if (!s) return s.error();
    Status inserted = s->bind_text(1, run.fingerprint)
                          .bind_text(2, to_json(run).dump())
                          .bind_text(3, run.created_at.empty() ? utc_now() : run.created_at)
                          .run("record the run");
    if (!inserted) return inserted.error();
    return true;
  }

  Result<std::optional<RunRecord>> run() override {
    auto s = db_.prepare("SELECT fingerprint, config_json, created_at FROM run WHERE id = 1");
    if (!s) return s.error();
    auto row = s->step("read the run");
    if (!row) return row.error();
    if (!*row) return std::optional<RunRecord>();
    auto run =
        store_shared::decode_run(where(), s->column_text(0), s->column_text(1), s->column_text(2));
    if (!run) return run.error();
    return std::optional<RunRecord>(std::move(*run));
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

  Result<bool> put(const CellResult& c) override {
    if (!put_) {
      auto s = db_.prepare(store_shared::put_cell_sql(/*numbered=*/false));
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
    s.bind_text(i++, store_shared::status_text(c.status));
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
    auto stored = s.step("write cell " + c.key.str());
    if (!stored) return stored.error();
    if (*stored) s.reset();
    return *stored;
  }

  Result<std::unordered_map<std::string, CellCounts>> cell_counts() override {
    auto s = db_.prepare(
        "SELECT question_id, sum(status = 'ok'), sum(status <> 'ok') FROM cells "
        "GROUP BY question_id");
    if (!s) return s.error();
    std::unordered_map<std::string, CellCounts> out;
    Result<bool> row = false;
    while ((row = s->step("count cells")) && *row) {
      out[s->column_text(0)] = {static_cast<size_t>(s->column_int64(1)),
                                static_cast<size_t>(s->column_int64(2))};
    }
    if (!row) return row.error();
    return out;
  }

  Result<std::unordered_set<std::string>> finished_keys(
      const std::vector<std::string>& question_ids) override {
    auto s = db_.prepare("SELECT cell_key FROM cells WHERE question_id = ? AND status = 'ok'");
    if (!s) return s.error();
    std::unordered_set<std::string> keys;
    for (const std::string& id : question_ids) {
      s->bind_text(1, id);
      Result<bool> row = false;
      while ((row = s->step("read cells")) && *row)
        keys.insert(s->column_text(0));
      if (!row) return row.error();
    }
    return keys;
  }

  Status for_each_cell(const CellVisitor& visit, CellFields fields) override {
    auto s = db_.prepare(
        fmt::format("SELECT {} FROM cells ORDER BY cell_key", store_shared::cell_columns(fields)));
    if (!s) return s.error();
    return visit_rows(*s, visit);
  }

  Result<std::vector<CellResult>> cells(CellFields fields) override {
    if (Status s = db_.exec("BEGIN", "begin a read of cells"); !s) return s.error();
    struct EndRead {
      sqlite::Database& db;
      ~EndRead() { (void)db.exec("COMMIT", "end a read of cells"); }
    } end_read{db_};
    // (rowid, position in key order), sorted by rowid.
    std::vector<std::pair<int64_t, size_t>> places;
    {
      auto keys = db_.prepare("SELECT rowid FROM cells ORDER BY cell_key");
      if (!keys) return keys.error();
      Result<bool> row = false;
      while ((row = keys->step("read cells")) && *row)
        places.emplace_back(keys->column_int64(0), places.size());
      if (!row) return row.error();
    }
    std::sort(places.begin(), places.end());
    std::vector<CellResult> out(places.size());
    auto rows = db_.prepare(fmt::format("SELECT {}, rowid FROM cells ORDER BY rowid",
                                        store_shared::cell_columns(fields)));
    if (!rows) return rows.error();
    const int rowid_column = store_shared::kCellColumns;
    auto next = places.begin();
    Status read = visit_rows(*rows, [&](CellResult& c) -> Status {
      const int64_t rowid = rows->column_int64(rowid_column);
      next = std::lower_bound(next, places.end(), std::make_pair(rowid, size_t{0}));
      if (next == places.end() || next->first != rowid) {
        return Error(fmt::format("{}: the cells changed while read", where()));
      }
      out[next->second] = std::move(c);
      return Status::Ok();
    });
    if (!read) return read.error();
    return out;
  }

  Status for_each_cell_of(const std::vector<std::string>& question_ids, const CellVisitor& visit,
                          CellFields fields) override {
    auto s = db_.prepare(fmt::format("SELECT {} FROM cells WHERE question_id = ? ORDER BY cell_key",
                                     store_shared::cell_columns(fields)));
    if (!s) return s.error();
    for (const std::string& id : question_ids) {
      s->bind_text(1, id);
      if (Status read = visit_rows(*s, visit); !read) return read;
    }
    return Status::Ok();
  }

 private:
  // Steps `s` (a SELECT of store_shared::cell_columns) to its end, visiting
  // each row as a cell.
  Status visit_rows(sqlite::Statement& s, const CellVisitor& visit) {
    Result<bool> row = false;
    CellResult c;
    while ((row = s.step("read cells")) && *row) {
      int i = 0;
      const std::string key = s.column_text(i++);
      c.key.question_id = s.column_text(i++);
      const std::string scenario = s.column_text(i++);
      c.key.mechanism = s.column_text(i++);
      c.key.eps = s.column_double(i++);
      c.key.repeat = static_cast<int>(s.column_int64(i++));
      const std::string status = s.column_text(i++);
      if (Status ok = store_shared::decode_labels(where(), key, scenario, status, c); !ok) {
        s.reset();
        return ok.error();
      }
      c.sanitized = s.column_text(i++);
      c.cot = s.column_text(i++);
      c.raw_answer = s.column_text(i++);
      c.parsed = static_cast<int>(s.column_int64(i++));
      c.parse_method = s.column_text(i++);
      c.gold = static_cast<int>(s.column_int64(i++));
      c.attempts = static_cast<int>(s.column_int64(i++));
      c.latency = s.column_double(i++);
      c.local_tokens_in = s.column_int64(i++);
      c.local_tokens_out = s.column_int64(i++);
      c.remote_tokens_in = s.column_int64(i++);
      c.remote_tokens_out = s.column_int64(i++);
      c.error = s.column_text(i++);
      c.details = s.column_text(i++);
      if (Status visited = visit(c); !visited) {
        s.reset();
        return visited;
      }
    }
    if (!row) return row.error();
    return Status::Ok();
  }

  std::string where() const override { return db_.path().string(); }

  Result<std::unique_ptr<ResponseCache>> response_cache() override {
    return open_sqlite_response_cache(db_.share());
  }

  Status write_meta(const std::string& key, const std::string& value) override {
    auto s = db_.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    if (!s) return s.error();
    return s->bind_text(1, key).bind_text(2, value).run("write meta " + key);
  }

  // Under SQLite's write lock, taken at BEGIN IMMEDIATE.
  Result<size_t> in_write_transaction(const Body& body) override {
    auto transaction = sqlite::Transaction::begin(db_);
    if (!transaction) return transaction.error();
    auto done = body();
    if (!done) return done;
    if (Status s = transaction->commit(); !s) return s.error();
    return done;
  }

  Result<std::optional<std::string>> stored_sessions() override {
    auto s = db_.prepare("SELECT value FROM meta WHERE key = ?");
    if (!s) return s.error();
    s->bind_text(1, kSessionsKey);
    auto row = s->step("read the session records");
    if (!row) return row.error();
    if (!*row) return std::optional<std::string>();
    std::optional<std::string> text(s->column_text(0));
    s->reset();
    return text;
  }

  sqlite::Database db_;
  std::optional<sqlite::Statement> put_;
  int writer_fd_ = -1;  // holds the writer claim's flock
};

}  // namespace

Result<std::vector<CellResult>> ResultStore::cells(CellFields fields) {
  std::vector<CellResult> out;
  Status read = for_each_cell(
      [&](CellResult& c) {
        out.push_back(std::move(c));
        return Status::Ok();
      },
      fields);
  if (!read) return read.error();
  return out;
}

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
    const std::string tables =
        store_shared::table_definitions({.key = "TEXT", .real = "REAL", .integer = "INTEGER"});
    if (Status s = db->exec(tables, "create the run store tables"); !s) return s.error();
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
