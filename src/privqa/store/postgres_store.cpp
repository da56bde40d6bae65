#include "privqa/store/postgres_store.h"

#include <fmt/format.h>

#include "privqa/store/postgres.h"
#include "privqa/store/store_shared.h"

namespace privqa {

namespace {

using store_shared::kSessionsKey;

// Keys sort bytewise (COLLATE "C"), as SQLite sorts them, whatever the
// database's locale.
constexpr store_shared::ColumnTypes kColumnTypes = {
    .key = "TEXT COLLATE \"C\"", .real = "DOUBLE PRECISION", .integer = "BIGINT"};

// Cells a read of table cells fetches at once: a few MiB of texts.
constexpr size_t kCellsPerPage = 2000;
constexpr size_t kQuestionsPerQuery = 500;

constexpr const char* kPutMeta =
    "INSERT INTO meta (key, value) VALUES ($1, $2) "
    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value";

class PostgresResultStore final : public store_shared::SharedResultStore {
 public:
  PostgresResultStore(pg::Connection db, PostgresUrl url)
      : db_(std::move(db)), url_(std::move(url)) {}

  // The database's cache, shared by every run there, on a connection of its
  // own: the cache's statements must not join the store's transactions.
  Result<std::unique_ptr<ResponseCache>> response_cache() override {
    return open_postgres_response_cache(url_);
  }

  // Workers share the store through its work queue (work_queue.h): no
  // writer excludes another.
  Status claim_writer() override { return Status::Ok(); }

  // ON CONFLICT: of two processes binding at once, the second finds the
  // first's record.
  Result<bool> insert_run(const RunRecord& run) override {
    auto inserted = db_.query(
        "INSERT INTO run (id, fingerprint, config_json, created_at) VALUES (1, $1, $2, $3) "
        "ON CONFLICT (id) DO NOTHING RETURNING id",
        {run.fingerprint, to_json(run).dump(),
         run.created_at.empty() ? store_shared::utc_now() : run.created_at},
        "record the run (table run)");
    if (!inserted) return inserted.error();
    return inserted->size() == 1;
  }

  Result<std::optional<RunRecord>> run() override {
    auto rows = db_.query("SELECT fingerprint, config_json, created_at FROM run WHERE id = 1", {},
                          "read the run (table run)");
    if (!rows) return rows.error();
    if (rows->size() == 0) return std::optional<RunRecord>();
    auto run = store_shared::decode_run(where(), std::string(rows->text(0, 0)), rows->text(0, 1),
                                        std::string(rows->text(0, 2)));
    if (!run) return run.error();
    return std::optional<RunRecord>(std::move(*run));
  }

  Result<std::map<std::string, std::string>> meta() override {
    auto rows =
        db_.query("SELECT key, value FROM meta WHERE key != $1", {kSessionsKey}, "read table meta");
    if (!rows) return rows.error();
    std::map<std::string, std::string> out;
    for (size_t r = 0; r < rows->size(); ++r)
      out[std::string(rows->text(r, 0))] = rows->text(r, 1);
    return out;
  }

  Result<bool> put(const CellResult& c) override {
    static const std::string kPutCell = store_shared::put_cell_sql(/*numbered=*/true);
    auto stored = db_.query(kPutCell,
                            {c.key.str(),
                             c.key.question_id,
                             scenario_id(c.key.scenario),
                             c.key.mechanism,
                             number(c.key.eps),
                             std::to_string(c.key.repeat),
                             store_shared::status_text(c.status),
                             c.sanitized,
                             c.cot,
                             c.raw_answer,
                             std::to_string(c.parsed),
                             c.parse_method,
                             std::to_string(c.gold),
                             c.correct() ? "1" : "0",
                             std::to_string(c.attempts),
                             number(c.latency),
                             std::to_string(c.local_tokens_in),
                             std::to_string(c.local_tokens_out),
                             std::to_string(c.remote_tokens_in),
                             std::to_string(c.remote_tokens_out),
                             c.error,
                             c.details,
                             store_shared::utc_now()},
                            "write cell " + c.key.str() + " (table cells)");
    if (!stored) return stored.error();
    return stored->size() == 1;
  }

  Result<std::unordered_map<std::string, CellCounts>> cell_counts() override {
    auto rows = db_.query(
        "SELECT question_id, count(*) FILTER (WHERE status = 'ok'), "
        "count(*) FILTER (WHERE status <> 'ok') FROM cells GROUP BY question_id",
        {}, "count cells (table cells)");
    if (!rows) return rows.error();
    std::unordered_map<std::string, CellCounts> out;
    out.reserve(rows->size());
    for (size_t r = 0; r < rows->size(); ++r) {
      auto ok = rows->int64(r, 1);
      auto error = rows->int64(r, 2);
      if (!ok) return ok.error();
      if (!error) return error.error();
      out[std::string(rows->text(r, 0))] = {static_cast<size_t>(*ok), static_cast<size_t>(*error)};
    }
    return out;
  }

  Result<std::unordered_set<std::string>> finished_keys(
      const std::vector<std::string>& question_ids) override {
    auto rows = db_.query(
        "SELECT cell_key FROM cells WHERE status = 'ok' AND question_id = ANY($1::text[])",
        {pg::text_array(question_ids)}, "read table cells");
    if (!rows) return rows.error();
    std::unordered_set<std::string> keys;
    keys.reserve(rows->size());
    for (size_t r = 0; r < rows->size(); ++r)
      keys.emplace(rows->text(r, 0));
    return keys;
  }

  // A page at a time, each after the last key of the one before: every
  // page is one indexed query, and a lost connection costs one page.
  Status for_each_cell(const CellVisitor& visit, CellFields fields) override {
    const std::string sql = fmt::format(
        "SELECT {} FROM cells WHERE cell_key > $1 ORDER BY cell_key COLLATE \"C\" LIMIT {}",
        store_shared::cell_columns(fields), kCellsPerPage);
    std::string after;  // every key is longer than ""
    for (;;) {
      auto rows = db_.query(sql, {after}, "read table cells");
      if (!rows) return rows.error();
      for (size_t r = 0; r < rows->size(); ++r) {
        auto cell = decode_cell(*rows, r);
        if (!cell) return cell.error();
        if (Status visited = visit(*cell); !visited) return visited;
      }
      if (rows->size() < kCellsPerPage) return Status::Ok();
      after = rows->text(rows->size() - 1, 0);
    }
  }

  // Questions a query at a time, kQuestionsPerQuery of them: a round trip
  // each would cost more than the rows.
  Status for_each_cell_of(const std::vector<std::string>& question_ids, const CellVisitor& visit,
                          CellFields fields) override {
    const std::string sql = fmt::format(
        "SELECT {} FROM cells WHERE question_id = ANY($1::text[]) ORDER BY cell_key COLLATE \"C\"",
        store_shared::cell_columns(fields));
    for (size_t first = 0; first < question_ids.size(); first += kQuestionsPerQuery) {
      const auto begin = question_ids.begin() + static_cast<std::ptrdiff_t>(first);
      const std::vector<std::string> batch(
          begin, begin + static_cast<std::ptrdiff_t>(
                             std::min(kQuestionsPerQuery, question_ids.size() - first)));
      auto rows = db_.query(sql, {pg::text_array(batch)}, "read table cells");
      if (!rows) return rows.error();
      for (size_t r = 0; r < rows->size(); ++r) {
        auto cell = decode_cell(*rows, r);
        if (!cell) return cell.error();
        if (Status visited = visit(*cell); !visited) return visited;
      }
    }
    return Status::Ok();
  }

 private:
  std::string where() const override { return db_.url().shown; }

  // Doubles as text that reads back to the same value.
  static std::string number(double v) { return fmt::format("{}", v); }

  Result<CellResult> decode_cell(const pg::Rows& rows, size_t r) const {
    CellResult c;
    int i = 0;
    const std::string key(rows.text(r, i++));
    c.key.question_id = rows.text(r, i++);
    const std::string scenario(rows.text(r, i++));
    c.key.mechanism = rows.text(r, i++);
    auto eps = rows.number(r, i++);
    auto repeat = rows.int64(r, i++);
    const std::string status(rows.text(r, i++));
    c.sanitized = rows.text(r, i++);
    c.cot = rows.text(r, i++);
    c.raw_answer = rows.text(r, i++);
    auto parsed = rows.int64(r, i++);
    c.parse_method = rows.text(r, i++);
    auto gold = rows.int64(r, i++);
    auto attempts = rows.int64(r, i++);
    auto latency = rows.number(r, i++);
    auto local_in = rows.int64(r, i++);
    auto local_out = rows.int64(r, i++);
    auto remote_in = rows.int64(r, i++);
    auto remote_out = rows.int64(r, i++);
    c.error = rows.text(r, i++);
    c.details = rows.text(r, i++);
    for (const Result<int64_t>* v :
         {&repeat, &parsed, &gold, &attempts, &local_in, &local_out, &remote_in, &remote_out}) {
      if (!*v) return v->error().wrap("cell " + key);
    }
    for (const Result<double>* v : {&eps, &latency}) {
      if (!*v) return v->error().wrap("cell " + key);
    }
    c.key.eps = *eps;
    c.key.repeat = static_cast<int>(*repeat);
    c.parsed = static_cast<int>(*parsed);
    c.gold = static_cast<int>(*gold);
    c.attempts = static_cast<int>(*attempts);
    c.latency = *latency;
    c.local_tokens_in = *local_in;
    c.local_tokens_out = *local_out;
    c.remote_tokens_in = *remote_in;
    c.remote_tokens_out = *remote_out;
    if (Status s = store_shared::decode_labels(where(), key, scenario, status, c); !s) {
      return s.error();
    }
    return c;
  }

  Status write_meta(const std::string& key, const std::string& value) override {
    return db_.run(kPutMeta, {key, value}, "write meta " + key + " (table meta)");
  }

  // Holding table meta's lock until the transaction ends.
  Result<size_t> in_write_transaction(const Body& body) override {
    Result<size_t> done = size_t{0};
    Status committed = db_.transact(
        [&]() -> Status {
          if (Status s = db_.exec("LOCK TABLE meta IN SHARE ROW EXCLUSIVE MODE", "lock table meta");
              !s) {
            return s;
          }
          done = body();
          return done ? Status::Ok() : Status(done.error());
        },
        "write the session records (table meta)");
    if (!committed) return committed.error();
    return done;
  }

  Result<std::optional<std::string>> stored_sessions() override {
    auto rows = db_.query("SELECT value FROM meta WHERE key = $1", {kSessionsKey},
                          "read the session records (table meta)");
    if (!rows) return rows.error();
    if (rows->size() == 0) return std::optional<std::string>();
    return std::optional<std::string>(rows->text(0, 0));
  }

  pg::Connection db_;
  PostgresUrl url_;
};

}  // namespace

Result<std::unique_ptr<ResultStore>> open_postgres_store(const PostgresUrl& url, bool read_only) {
  auto db = pg::Connection::open(url, read_only ? pg::Access::kReadOnly : pg::Access::kReadWrite);
  if (!db) return db.error();
  if (!read_only) {
    if (Status s = db->create(fmt::format("CREATE SCHEMA IF NOT EXISTS {}; {}", db->quoted_schema(),
                                          store_shared::table_definitions(kColumnTypes)),
                              "create the run store tables");
        !s) {
      return s.error();
    }
  } else {
    auto found = db->query("SELECT to_regclass($1) IS NOT NULL", {db->quoted_schema() + ".cells"},
                           "look for the run store tables");
    if (!found) return found.error();
    if (found->text(0, 0) != "t") {
      return Error(url.shown + ": no run recorded in this store (schema " + url.schema +
                   " holds no run store tables)");
    }
  }
  return std::unique_ptr<ResultStore>(new PostgresResultStore(std::move(*db), url));
}

}  // namespace privqa
