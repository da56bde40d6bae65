#include "privqa/store/sqlite.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cassert>
#include <utility>

namespace privqa::sqlite {

struct Database::Connection {
  Connection(sqlite3* handle, std::filesystem::path file) : db(handle), path(std::move(file)) {}
  ~Connection() { sqlite3_close(db); }  // every Statement, holding a reference, is gone
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Error error(std::string_view what) const {
    return Error(fmt::format("{}: cannot {}: {}", path.string(), what, sqlite3_errmsg(db)));
  }

  sqlite3* db;
  std::filesystem::path path;
};

namespace {

// The SQL quoted in an error: its first line, shortened.
std::string sql_excerpt(std::string_view sql) {
  while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n'))
    sql.remove_prefix(1);
  sql = sql.substr(0, sql.find('\n'));
  constexpr size_t kMax = 60;
  return sql.size() <= kMax ? std::string(sql) : std::string(sql.substr(0, kMax)) + "...";
}

}  // namespace

Result<Database> Database::open(const std::filesystem::path& path, OpenMode mode) {
  const bool read_only = mode == OpenMode::kReadOnly;
  std::error_code ec;
  if (read_only && !std::filesystem::exists(path, ec)) {
    return Error(path.string() + ": cannot open read-only: no such file");
  }
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_FULLMUTEX;
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(path.c_str(), &handle, flags, nullptr) != SQLITE_OK) {
    Error e(fmt::format("{}: cannot open: {}", path.string(),
                        handle ? sqlite3_errmsg(handle) : "out of memory"));
    sqlite3_close(handle);
    return e;
  }
  Database db(std::make_shared<Connection>(handle, path));
  sqlite3_busy_timeout(handle, 10'000);
  // WAL with synchronous=NORMAL: a committed write survives the process being
  // killed (the OS has it); only a power loss can drop the last commits.
  const char* setup = read_only ? "PRAGMA query_only = 1;"
                                : "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";
  if (Status s = db.exec(setup, "open"); !s) return s.error();
  return db;
}

Status Database::exec(std::string_view sql, std::string_view what) {
  char* message = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(c_->db, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    Error e(fmt::format("{}: cannot {}: {}", c_->path.string(), what,
                        message ? message : sqlite3_errmsg(c_->db)));
    sqlite3_free(message);
    return e;
  }
  return Status::Ok();
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(c_->db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    sqlite3_finalize(stmt);
    return c_->error(fmt::format("prepare \"{}\"", sql_excerpt(sql)));
  }
  return Statement(c_, stmt);
}

const std::filesystem::path& Database::path() const {
  return c_->path;
}

Error Database::error(std::string_view what) const {
  return c_->error(what);
}

Statement::Statement(Statement&& other) noexcept
    : c_(std::move(other.c_)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      active_(other.active_),
      bind_error_(std::move(other.bind_error_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    c_ = std::move(other.c_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    active_ = other.active_;
    bind_error_ = std::move(other.bind_error_);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);  // before c_ may close the connection
}

void Statement::note_bind(int rc, int index) {
  if (rc != SQLITE_OK && bind_error_.empty()) {
    bind_error_ = fmt::format("parameter {}: {}", index, sqlite3_errstr(rc));
  }
}

Statement& Statement::bind_text(int index, std::string_view value) {
  if (active_) reset();
  note_bind(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                              SQLITE_TRANSIENT),
            index);
  return *this;
}

Statement& Statement::bind_int64(int index, int64_t value) {
  if (active_) reset();
  note_bind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::bind_double(int index, double value) {
  if (active_) reset();
  note_bind(sqlite3_bind_double(stmt_, index, value), index);
  return *this;
}

Error Statement::fail(std::string_view what, const std::string& message) const {
  return Error(fmt::format("{}: cannot {}: {}", c_->path.string(), what, message));
}

Result<bool> Statement::step(std::string_view what) {
  if (!bind_error_.empty()) {
    Error e = fail(what, bind_error_);
    bind_error_.clear();
    reset();
    return e;
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    active_ = true;
    return true;
  }
  if (rc == SQLITE_DONE) {
    reset();
    return false;
  }
  // The message first: reset() may replace it.
  Error e = fail(what, sqlite3_errmsg(c_->db));
  reset();
  return e;
}

Status Statement::run(std::string_view what) {
  Result<bool> row = step(what);
  if (!row) return row.error();
  if (*row) {
    reset();
    return fail(what, "the statement returned rows");
  }
  return Status::Ok();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  active_ = false;
}

std::string Statement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  return text ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, index))) : "";
}

int64_t Statement::column_int64(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

double Statement::column_double(int index) const {
  return sqlite3_column_double(stmt_, index);
}

Result<Transaction> Transaction::begin(Database& db) {
  if (Status s = db.exec("BEGIN IMMEDIATE", "begin a transaction"); !s) return s.error();
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK", "roll back");  // nothing to do if it fails
}

Status Transaction::commit() {
  assert(db_ != nullptr && "commit() once");
  Database* db = std::exchange(db_, nullptr);
  if (Status s = db->exec("COMMIT", "commit"); !s) {
    (void)db->exec("ROLLBACK", "roll back");  // SQLite may keep the transaction open
    return s;
  }
  return Status::Ok();
}

}  // namespace privqa::sqlite
