// A small RAII layer over libpq for the PostgreSQL store and response cache:
// a connection whose statements are prepared once and reused, their rows,
// and transactions, with every failure an Error naming the URL (never a
// password: postgres_url.h) and what was being done ("postgresql://u@h/db:
// cannot write cell q1|S1||0|0 (table cells): <server message>").
//
//   auto db = pg::Connection::open(url, pg::Access::kReadWrite);
//   auto rows = db->query("SELECT value FROM meta WHERE key = $1", {"k"}, "read meta");
//
// Parameters and columns travel as text; SQL NULL is never used by the store.
//
// Threading: a Connection and its Rows are used by one thread at a time.
// Ownership: Rows own their result and outlive the Connection safely.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/store/postgres_url.h"

struct pg_conn;
struct pg_result;

namespace privqa::pg {

// The first of the two keys of privqa's advisory locks; the second says
// what is locked.
inline constexpr int kLockClass = 0x70717161;  // "pqqa"

enum class Access {
  kReadOnly,   // every transaction is read-only (default_transaction_read_only)
  kReadWrite,  // creates the URL's schema when missing
};

// The rows a query returned.
class Rows {
 public:
  size_t size() const;
  // Column `col` of row `row`, both 0-based, as text.
  std::string_view text(size_t row, int col) const;
  // Parse the text; a value that is not a number is an error naming the
  // column (a table altered by hand).
  Result<int64_t> int64(size_t row, int col) const;
  Result<double> number(size_t row, int col) const;

 private:
  friend class Connection;
  Rows(std::shared_ptr<pg_result> result, std::string where)
      : result_(std::move(result)), where_(std::move(where)) {}
  std::shared_ptr<pg_result> result_;
  std::string where_;  // "<url>: <what>", for errors about a value
};

class Connection {
 public:
  // Connects and sets the search path to the URL's schema (created first in
  // kReadWrite). An unreachable server, a refused login or a missing
  // database is an error naming the URL.
  static Result<Connection> open(const PostgresUrl& url, Access access);
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  // Runs one statement with text parameters $1, $2, ...; prepared on first
  // use and reused by later calls with the same SQL.
  Result<Rows> query(std::string_view sql, const std::vector<std::string>& params,
                     std::string_view what);
  Status run(std::string_view sql, const std::vector<std::string>& params, std::string_view what);
  // Runs SQL without parameters or results (BEGIN/COMMIT); several
  // statements allowed.
  Status exec(std::string_view sql, std::string_view what);
  // Runs `ddl` (CREATE ... IF NOT EXISTS) in a transaction that holds a
  // database-wide advisory lock: two processes creating the same tables at
  // once would otherwise collide in the catalog.
  Status create(std::string_view ddl, std::string_view what);

  const PostgresUrl& url() const { return url_; }
  // The URL's schema as an SQL identifier ("name", quoted).
  std::string quoted_schema() const;

 private:
  struct Handle;
  Connection(std::unique_ptr<Handle> handle, PostgresUrl url);
  Error error(std::string_view what, std::string_view message) const;

  std::unique_ptr<Handle> handle_;
  PostgresUrl url_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
};

// `values` as the text of a text[] parameter ({"a","b \"c\""}), each quoted.
std::string text_array(const std::vector<std::string>& values);

// BEGIN ... COMMIT; destroying an uncommitted Transaction rolls it back. The
// Connection must outlive it.
class Transaction {
 public:
  static Result<Transaction> begin(Connection& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status commit();

 private:
  explicit Transaction(Connection& db) : db_(&db) {}
  Connection* db_;  // null once committed or rolled back
};

}  // namespace privqa::pg
