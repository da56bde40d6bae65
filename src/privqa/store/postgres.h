// A small RAII layer over libpq for the PostgreSQL store and response cache:
// a connection whose statements are prepared once and reused, their rows,
// and transactions, with every failure an Error naming the URL (never a
// password: postgres_url.h) and what was being done ("postgresql://u@h/db:
// cannot write cell q1|S1||0|0 (table cells): <server message>").
//
//   auto db = pg::Connection::open(url, pg::Access::kReadWrite);
//   auto rows = db->query("SELECT value FROM meta WHERE key = $1", {"k"}, "read meta");
//   db->transact([&] { return db->run(...); }, "write the sessions");
//
// Parameters and columns travel as text; SQL NULL is never used by the store.
//
// A lost connection (the server restarted or went away) is not a failed
// statement: the Connection reconnects, trying for up to the URL's
// `reconnect_seconds` (postgres_url.h) and saying so on stderr, and runs the
// statement again; only when the server stays away is it an error. Inside a
// transaction the statement cannot run alone again, so the loss goes to
// transact(), which runs the whole transaction again. A statement whose
// reply was lost with the connection may have taken effect: the store's
// statements are written to be run twice (ON CONFLICT, WHERE worker = ...).
//
// Threading: a Connection and its Rows are used by one thread at a time.
// Ownership: Rows own their result and outlive the Connection safely.
#pragma once

#include <cstdint>
#include <functional>
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

  // Runs `body` in a transaction (BEGIN ... COMMIT, rolled back when `body`
  // fails), again from the start when the connection was lost on the way.
  Status transact(const std::function<Status()>& body, std::string_view what);

  // How often this connection was lost and made again.
  int reconnects() const { return reconnects_; }

  const PostgresUrl& url() const { return url_; }
  // The URL's schema as an SQL identifier ("name", quoted).
  std::string quoted_schema() const;

 private:
  struct Handle;
  Connection(std::unique_ptr<Handle> handle, PostgresUrl url, Access access);
  static Result<std::unique_ptr<Handle>> connect(const PostgresUrl& url, Access access);
  Error error(std::string_view what, std::string_view message) const;
  Result<Rows> query_once(const std::string& sql, const std::vector<std::string>& params,
                          std::string_view what);
  Status exec_once(const std::string& sql, std::string_view what);
  // Whether a failed statement failed because the connection is gone and may
  // be run again on a new one.
  bool may_retry() const;
  // An error of this connection without the URL it starts with.
  std::string reason(const Error& e) const;
  // Replaces the lost connection with a new one, waiting for the server.
  Status reconnect(std::string_view lost_with);

  std::unique_ptr<Handle> handle_;
  PostgresUrl url_;
  Access access_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  bool in_transaction_ = false;
  int reconnects_ = 0;
};

// `values` as the text of a text[] parameter ({"a","b \"c\""}), each quoted.
std::string text_array(const std::vector<std::string>& values);

}  // namespace privqa::pg
