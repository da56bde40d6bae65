// The work queue of a PostgreSQL store (work_queue.h, docs/workers.md): two
// tables in the run's schema. `work` has one row per offered question: free
// (lease expired), leased to a worker until a time, or done. `workers` has
// one row per worker with its last heartbeat. Every time is the server's
// clock, so workers on hosts whose clocks differ agree on who is live.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <set>

#include "privqa/store/postgres.h"
#include "privqa/store/postgres_store.h"
#include "privqa/store/work_queue.h"

namespace privqa {

namespace {

// A free row has worker '' or a lease in the past; the store uses no NULLs
// (postgres.h).
constexpr const char* kQueueTables = R"sql(
CREATE TABLE IF NOT EXISTS work (
  item BIGINT PRIMARY KEY,
  worker TEXT NOT NULL,
  lease_until TIMESTAMPTZ NOT NULL,
  done BOOLEAN NOT NULL
);
CREATE INDEX IF NOT EXISTS work_open ON work (item) WHERE NOT done;
CREATE TABLE IF NOT EXISTS workers (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid BIGINT NOT NULL,
  started TIMESTAMPTZ NOT NULL,
  heartbeat TIMESTAMPTZ NOT NULL,
  ended BOOLEAN NOT NULL,
  busy BOOLEAN NOT NULL
);
)sql";

// Claims skip rows another worker's claim has locked, so concurrent claims
// never wait for each other nor take the same question.
constexpr const char* kClaim = R"sql(
WITH picked AS (
  SELECT item, worker NOT IN ('', $1) AS taken FROM work
  WHERE NOT done AND lease_until < now()
  ORDER BY item LIMIT $2 FOR UPDATE SKIP LOCKED)
UPDATE work SET worker = $1, lease_until = now() + make_interval(secs => $3::float8)
FROM picked WHERE work.item = picked.item
RETURNING work.item, picked.taken
)sql";

std::string new_worker_id(const std::string& host) {
  std::random_device entropy;
  return fmt::format("{}:{}:{:08x}", host, ::getpid(), entropy());
}

std::string host_name() {
  char host[256] = "";
  ::gethostname(host, sizeof host - 1);
  return host;
}

// "{1,2,3}": a bigint[] parameter.
std::string int_array(const std::vector<size_t>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(items[i]);
  }
  return out + "}";
}

class PostgresWorkQueue final : public WorkQueue {
 public:
  PostgresWorkQueue(pg::Connection db, double lease_seconds, std::string id)
      : db_(std::move(db)), lease_(fmt::format("{}", lease_seconds)), id_(std::move(id)) {}

  Status offer(const std::vector<size_t>& items) override {
    return db_.run(
        "INSERT INTO work (item, worker, lease_until, done) "
        "SELECT unnest($1::bigint[]), '', '-infinity', false "
        "ON CONFLICT (item) DO UPDATE SET done = false WHERE work.done",
        {int_array(items)}, "offer questions (table work)");
  }

  Result<Claim> claim(size_t count) override {
    const int reconnects = db_.reconnects();
    auto rows =
        db_.query(kClaim, {id_, std::to_string(count), lease_}, "claim questions (table work)");
    if (!rows) return rows.error();
    Claim claim;
    for (size_t r = 0; r < rows->size(); ++r) {
      auto item = rows->int64(r, 0);
      if (!item) return item.error();
      claim.items.push_back(static_cast<size_t>(*item));
      claim.reclaimed += rows->text(r, 1) == "t";
    }
    std::sort(claim.items.begin(), claim.items.end());
    held_.insert(claim.items.begin(), claim.items.end());
    if (db_.reconnects() != reconnects) {
      // The claim ran again on a new connection: the first may have leased
      // questions whose reply was lost. Nobody here works on them, and the
      // heartbeat would renew their leases for ever: give them back.
      if (Status s = db_.run("UPDATE work SET worker = '', lease_until = '-infinity' "
                             "WHERE worker = $1 AND NOT done AND item <> ALL($2::bigint[])",
                             {id_, int_array({held_.begin(), held_.end()})},
                             "give back questions claimed twice (table work)");
          !s) {
        return s.error();
      }
    }
    if (!claim.items.empty()) return claim;
    auto open = db_.query("SELECT count(*) FROM work WHERE NOT done AND worker <> $1", {id_},
                          "count open questions (table work)");
    if (!open) return open.error();
    auto n = open->int64(0, 0);
    if (!n) return n.error();
    claim.open = static_cast<size_t>(*n);
    return claim;
  }

  Status finish(size_t item) override {
    held_.erase(item);
    return db_.run(
        "UPDATE work SET done = true, worker = '', lease_until = '-infinity' "
        "WHERE item = $2 AND worker = $1",
        {id_, std::to_string(item)}, "finish a question (table work)");
  }

  Status release() override {
    held_.clear();
    if (Status s = db_.run("UPDATE work SET worker = '', lease_until = '-infinity' "
                           "WHERE worker = $1 AND NOT done",
                           {id_}, "release questions (table work)");
        !s) {
      return s;
    }
    return db_.run("UPDATE workers SET ended = true, heartbeat = now() WHERE id = $1", {id_},
                   "end the worker (table workers)");
  }

  Result<WorkerCount> heartbeat(bool busy) override {
    if (Status s =
            db_.run("UPDATE work SET lease_until = now() + make_interval(secs => $2::float8) "
                    "WHERE worker = $1 AND NOT done",
                    {id_, lease_}, "renew leases (table work)");
        !s) {
      return s.error();
    }
    if (Status s = db_.run("UPDATE workers SET heartbeat = now(), busy = $2 WHERE id = $1",
                           {id_, busy ? "true" : "false"}, "heartbeat (table workers)");
        !s) {
      return s.error();
    }
    auto rows = db_.query(
        fmt::format("SELECT count(*) FILTER (WHERE heartbeat >= now() - interval '{0} s'), "
                    "count(*) FILTER (WHERE heartbeat < now() - interval '{0} s'), "
                    "count(*) FILTER (WHERE heartbeat >= now() - interval '{0} s' AND busy "
                    "AND id <> $1) "
                    "FROM workers WHERE NOT ended",
                    kLiveSeconds),
        {id_}, "count workers (table workers)");
    if (!rows) return rows.error();
    WorkerCount count;
    for (auto [column, out] :
         {std::pair{0, &count.live}, {1, &count.lost}, {2, &count.busy_others}}) {
      auto n = rows->int64(0, column);
      if (!n) return n.error();
      *out = static_cast<size_t>(*n);
    }
    // This worker, even if its own heartbeat ran late.
    count.live = std::max<size_t>(1, count.live);
    return count;
  }

  const std::string& worker_id() const override { return id_; }

 private:
  pg::Connection db_;
  std::string lease_;  // seconds, as a parameter
  std::string id_;
  std::set<size_t> held_;  // claimed and neither finished nor released
};

}  // namespace

Result<std::unique_ptr<WorkQueue>> open_postgres_work_queue(const PostgresUrl& url,
                                                            double lease_seconds) {
  auto db = pg::Connection::open(url, pg::Access::kReadWrite);
  if (!db) return db.error();
  if (Status s = db->create(
          fmt::format("CREATE SCHEMA IF NOT EXISTS {}; {}", db->quoted_schema(), kQueueTables),
          "create the work queue tables");
      !s) {
    return s.error();
  }
  const std::string host = host_name();
  std::string id = new_worker_id(host);
  if (Status s =
          db->run("INSERT INTO workers (id, host, pid, started, heartbeat, ended, busy) "
                  "VALUES ($1, $2, $3, now(), now(), false, true)",
                  {id, host, std::to_string(::getpid())}, "register the worker (table workers)");
      !s) {
    return s.error();
  }
  return std::unique_ptr<WorkQueue>(
      new PostgresWorkQueue(std::move(*db), lease_seconds, std::move(id)));
}

Result<std::vector<WorkerRecord>> postgres_workers(const PostgresUrl& url) {
  auto db = pg::Connection::open(url, pg::Access::kReadOnly);
  if (!db) return db.error();
  auto found = db->query("SELECT to_regclass($1) IS NOT NULL", {db->quoted_schema() + ".workers"},
                         "look for the workers table");
  if (!found) return found.error();
  if (found->text(0, 0) != "t") return std::vector<WorkerRecord>();
  auto rows = db->query(
      "SELECT id, host, pid, extract(epoch FROM now() - heartbeat), ended, busy FROM workers "
      "ORDER BY started, id",
      {}, "read table workers");
  if (!rows) return rows.error();
  std::vector<WorkerRecord> out;
  for (size_t r = 0; r < rows->size(); ++r) {
    WorkerRecord w;
    w.id = rows->text(r, 0);
    w.host = rows->text(r, 1);
    auto pid = rows->int64(r, 2);
    auto age = rows->number(r, 3);
    if (!pid) return pid.error();
    if (!age) return age.error();
    w.pid = *pid;
    w.seconds_since_heartbeat = *age;
    w.ended = rows->text(r, 4) == "t";
    w.busy = rows->text(r, 5) == "t";
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace privqa
