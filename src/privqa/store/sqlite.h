// A small RAII layer over SQLite for the run store and the response cache:
// a connection, prepared statements and transactions, with every failure an
// Error that names the database file ("runs/x.db: cannot write cell ...:
// disk I/O error").
//
//   auto db = sqlite::Database::open(path, sqlite::OpenMode::kReadWrite);
//   auto put = db->prepare("INSERT INTO t VALUES (?, ?)");
//   put->bind_text(1, "k").bind_int64(2, 42);
//   if (Status s = put->run("store k"); !s) return s;
//
// Threading: a Database and its Statements are used by one thread at a time.
// Several Databases (in one process or several) may open the same file: every
// read-write connection runs in WAL mode with a 10 s busy timeout, so writers
// wait for each other instead of failing, and readers never block writers.
//
// Ownership: a Statement shares ownership of its connection, so the
// connection closes when the Database and all its Statements are gone, in
// any order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "privqa/base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace privqa::sqlite {

enum class OpenMode {
  kReadOnly,   // the file must exist; nothing is written (PRAGMA query_only)
  kReadWrite,  // the file is created if missing (its folder must exist)
};

class Statement;

class Database {
 public:
  // Opens `path`. A missing file in kReadOnly, a folder that does not exist,
  // or a file that is not a database (read-write: noticed at once; read-only:
  // at the first statement) is an error naming the path.
  static Result<Database> open(const std::filesystem::path& path, OpenMode mode);

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  ~Database() = default;
  // Another handle on this connection. Its statements share the
  // connection's transactions and page cache, so its users must not
  // interleave their transactions (a statement run inside another user's
  // BEGIN joins it).
  Database share() const { return Database(c_); }

  // Runs SQL without results (schema, pragmas); several statements allowed.
  Status exec(std::string_view sql, std::string_view what);
  // Compiles one statement; errors name the path and quote the SQL.
  Result<Statement> prepare(std::string_view sql);

  const std::filesystem::path& path() const;
  // "<path>: cannot <what>: <SQLite's last message on this connection>".
  Error error(std::string_view what) const;

  struct Connection;

 private:
  explicit Database(std::shared_ptr<Connection> c) : c_(std::move(c)) {}
  std::shared_ptr<Connection> c_;
};

class Statement {
 public:
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  ~Statement();

  // Bind parameter `index` (1-based). Binding resets a statement whose rows
  // were not all read. A failed bind is reported by the next step()/run().
  Statement& bind_text(int index, std::string_view value);
  Statement& bind_int64(int index, int64_t value);
  Statement& bind_double(int index, double value);

  // Advances: true when a row is ready (read it with the column_ functions),
  // false when the statement is done (it is then reset, ready to run again
  // with new bindings). Errors read "<path>: cannot <what>: <message>".
  Result<bool> step(std::string_view what);
  // Steps a statement that returns no rows to its end.
  Status run(std::string_view what);
  // Ends the current execution early (e.g. after the one row wanted).
  void reset();

  // Columns of the current row, 0-based. A NULL reads as "" / 0.
  std::string column_text(int index) const;
  int64_t column_int64(int index) const;
  double column_double(int index) const;

 private:
  friend class Database;
  Statement(std::shared_ptr<Database::Connection> c, sqlite3_stmt* stmt)
      : c_(std::move(c)), stmt_(stmt) {}
  Error fail(std::string_view what, const std::string& message) const;
  void note_bind(int rc, int index);

  std::shared_ptr<Database::Connection> c_;
  sqlite3_stmt* stmt_ = nullptr;
  bool active_ = false;     // stepped to a row, not yet done or reset
  std::string bind_error_;  // the first failed bind since the last step
};

// BEGIN IMMEDIATE ... COMMIT. The write lock is taken at begin(), so a
// read-modify-write inside the transaction sees no other writer's change in
// between. Destroying an uncommitted Transaction rolls it back. The Database
// must outlive it.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status commit();

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_;  // null once committed or rolled back
};

}  // namespace privqa::sqlite
