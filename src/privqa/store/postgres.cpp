#include "privqa/store/postgres.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>

namespace privqa::pg {

namespace {

// The advisory lock (with kLockClass) held while creating tables.
constexpr int kCreateLock = 0;

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

// A URL's schema as an SQL identifier.
std::string quoted(const PostgresUrl& url) {
  return "\"" + url.schema + "\"";  // parse_postgres_url admits plain names only
}

}  // namespace

struct Connection::Handle {
  explicit Handle(PGconn* c) : conn(c) {}
  ~Handle() { PQfinish(conn); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  PGconn* conn;
};

Connection::Connection(std::unique_ptr<Handle> handle, PostgresUrl url, Access access)
    : handle_(std::move(handle)), url_(std::move(url)), access_(access) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Result<std::unique_ptr<Connection::Handle>> Connection::connect(const PostgresUrl& url,
                                                                Access access) {
  // Defaults first: the URL's own parameters override them.
  const char* keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                        nullptr};
  const char* values[] = {"10", "privqa", "UTF8", url.conninfo.c_str(), nullptr};
  auto handle = std::make_unique<Handle>(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (handle->conn == nullptr) return Error(url.shown + ": cannot connect: out of memory");
  if (PQstatus(handle->conn) != CONNECTION_OK) {
    return Error(
        fmt::format("{}: cannot connect: {}", url.shown, trimmed(PQerrorMessage(handle->conn))));
  }
  // CREATE ... IF NOT EXISTS reports "already exists, skipping" as a notice,
  // which libpq would print to stderr.
  PQsetNoticeProcessor(
      handle->conn, [](void*, const char*) {}, nullptr);
  std::string setup = "SET search_path TO " + quoted(url);
  if (access == Access::kReadOnly) setup += "; SET default_transaction_read_only = on";
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(handle->conn, setup.c_str()),
                                                       &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return Error(fmt::format("{}: cannot set up the session: {}", url.shown,
                             trimmed(PQerrorMessage(handle->conn))));
  }
  return handle;
}

Result<Connection> Connection::open(const PostgresUrl& url, Access access) {
  auto handle = connect(url, access);
  if (!handle) return handle.error();
  return Connection(std::move(*handle), url, access);
}

std::string Connection::quoted_schema() const {
  return quoted(url_);
}

Error Connection::error(std::string_view what, std::string_view message) const {
  return Error(fmt::format("{}: cannot {}: {}", url_.shown, what, message));
}

std::string Connection::reason(const Error& e) const {
  const std::string& m = e.message();
  // libpq's messages run over several lines: one line, for a log.
  std::istringstream words(m.starts_with(url_.shown + ": ") ? m.substr(url_.shown.size() + 2) : m);
  std::string out, word;
  while (words >> word)
    out += (out.empty() ? "" : " ") + word;
  return out;
}

bool Connection::may_retry() const {
  return !in_transaction_ && PQstatus(handle_->conn) == CONNECTION_BAD;
}

Status Connection::reconnect(std::string_view lost_with) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const auto patience = std::chrono::duration<double>(url_.reconnect_seconds);
  // The user sees why the run stands still, and that it goes on.
  fmt::print(stderr,
             "{}: the connection to the database was lost ({}); reconnecting for up to {} s\n",
             url_.shown, lost_with, url_.reconnect_seconds);
  auto wait = std::chrono::milliseconds(250);
  for (;;) {
    auto handle = connect(url_, access_);
    if (handle) {
      handle_ = std::move(*handle);
      prepared_.clear();  // prepared statements belong to the old session
      ++reconnects_;
      fmt::print(stderr, "{}: reconnected after {:.1f} s\n", url_.shown,
                 std::chrono::duration<double>(Clock::now() - started).count());
      return Status::Ok();
    }
    if (Clock::now() + wait - started > patience) {
      return Error(
          fmt::format("{}: the connection to the database was lost ({}) and could not be "
                      "made again within {} s (reconnect_seconds): {}",
                      url_.shown, lost_with, url_.reconnect_seconds, handle.error().message()));
    }
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, std::chrono::milliseconds(5000));
  }
}

Result<Rows> Connection::query(std::string_view sql, const std::vector<std::string>& params,
                               std::string_view what) {
  const std::string text(sql);
  auto rows = query_once(text, params, what);
  if (rows || !may_retry()) return rows;
  if (Status s = reconnect(reason(rows.error())); !s) return s.error();
  return query_once(text, params, what);
}

Result<Rows> Connection::query_once(const std::string& sql, const std::vector<std::string>& params,
                                    std::string_view what) {
  PGconn* conn = handle_->conn;
  auto [it, added] = prepared_.try_emplace(sql, "");
  if (added) {
    it->second = fmt::format("privqa_{}", prepared_.size());
    std::unique_ptr<PGresult, decltype(&PQclear)> prepared(
        PQprepare(conn, it->second.c_str(), it->first.c_str(), static_cast<int>(params.size()),
                  nullptr),
        &PQclear);
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      prepared_.erase(it);
      return error(what, trimmed(PQerrorMessage(conn)));
    }
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params)
    values.push_back(p.c_str());
  std::shared_ptr<PGresult> result(
      PQexecPrepared(conn, it->second.c_str(), static_cast<int>(values.size()), values.data(),
                     nullptr, nullptr, /*resultFormat=*/0),
      &PQclear);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return error(what, trimmed(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn)));
  }
  return Rows(std::move(result), fmt::format("{}: {}", url_.shown, what));
}

Status Connection::run(std::string_view sql, const std::vector<std::string>& params,
                       std::string_view what) {
  auto rows = query(sql, params, what);
  if (!rows) return rows.error();
  return Status::Ok();
}

Status Connection::exec(std::string_view sql, std::string_view what) {
  const std::string text(sql);
  Status done = exec_once(text, what);
  if (done || !may_retry()) return done;
  if (Status s = reconnect(reason(done.error())); !s) return s;
  return exec_once(text, what);
}

Status Connection::exec_once(const std::string& sql, std::string_view what) {
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(handle_->conn, sql.c_str()),
                                                       &PQclear);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return error(
        what, trimmed(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(handle_->conn)));
  }
  return Status::Ok();
}

Status Connection::transact(const std::function<Status()>& body, std::string_view what) {
  for (;;) {
    if (Status s = exec("BEGIN", what); !s) return s;
    in_transaction_ = true;
    Status done = body();
    if (done) done = exec_once("COMMIT", what);
    in_transaction_ = false;
    if (done) return done;
    if (PQstatus(handle_->conn) != CONNECTION_BAD) {
      (void)exec_once("ROLLBACK", what);
      return done;
    }
    if (Status s = reconnect(reason(done.error())); !s) return s;
  }
}

Status Connection::create(std::string_view ddl, std::string_view what) {
  return transact(
      [&] {
        if (Status s = exec(
                fmt::format("SELECT pg_advisory_xact_lock({}, {})", kLockClass, kCreateLock), what);
            !s) {
          return s;
        }
        return exec(ddl, what);
      },
      what);
}

size_t Rows::size() const {
  return static_cast<size_t>(PQntuples(result_.get()));
}

std::string_view Rows::text(size_t row, int col) const {
  const int r = static_cast<int>(row);
  return {PQgetvalue(result_.get(), r, col),
          static_cast<size_t>(PQgetlength(result_.get(), r, col))};
}

Result<int64_t> Rows::int64(size_t row, int col) const {
  const std::string s(text(row, col));
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0) {
    return Error(fmt::format("{}: field '{}' is not an integer: '{}'", where_,
                             PQfname(result_.get(), col), s));
  }
  return static_cast<int64_t>(v);
}

Result<double> Rows::number(size_t row, int col) const {
  const std::string s(text(row, col));
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') {
    return Error(fmt::format("{}: field '{}' is not a number: '{}'", where_,
                             PQfname(result_.get(), col), s));
  }
  return v;
}

std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    out += i ? ",\"" : "\"";
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace privqa::pg
