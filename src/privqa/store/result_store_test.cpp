#include "privqa/store/result_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <thread>

#include "postgres_server.h"
#include "privqa/store/open_store.h"
#include "privqa/store/sqlite.h"
#include "store/store_testing.h"
#include "testing.h"

namespace privqa {
namespace {

CellResult cell(const std::string& id, Scenario s, CellStatus status) {
  CellResult c;
  c.key = {id, s, s == Scenario::kPrivateCot ? "santext+" : "",
           s == Scenario::kPrivateCot ? 2.0 : 0, 0};
  c.status = status;
  c.sanitized = "sanitized \xE2\x80\x93 text";
  c.cot = "because";
  c.raw_answer = "Answer: B";
  c.parsed = status == CellStatus::kOk ? 1 : -1;
  c.gold = 1;
  c.attempts = 3;
  c.remote_tokens_in = 42;
  c.error = status == CellStatus::kOk ? "" : "cot (remote): HTTP 500";
  c.details = "{}";
  return c;
}

RunRecord run_record(const std::string& fingerprint) {
  RunRecord r;
  r.fingerprint = fingerprint;
  return r;
}

// The behaviour every backend shares, run on SQLite and on PostgreSQL.
class ResultStoreTest : public store_testing::BackendTest {
 protected:
  Result<std::unique_ptr<ResultStore>> open(bool read_only = false) {
    return open_store(location(), read_only);
  }
};
PRIVQA_INSTANTIATE_BACKENDS(ResultStoreTest);

TEST_P(ResultStoreTest, RoundTripAndFinishedKeys) {
  auto store = open();
  ASSERT_TRUE(store.ok()) << store.error().message();
  ASSERT_TRUE((*store)->bind_run(run_record("abc")).ok());
  ASSERT_TRUE((*store)->put(cell("q1", Scenario::kLocal, CellStatus::kOk)).ok());
  ASSERT_TRUE((*store)->put(cell("q1", Scenario::kPrivateCot, CellStatus::kError)).ok());
  ASSERT_TRUE((*store)->put(cell("q2", Scenario::kLocal, CellStatus::kOk)).ok());
  auto finished = (*store)->finished_keys({"q1"});
  ASSERT_TRUE(finished.ok());
  EXPECT_EQ(*finished, (std::unordered_set<std::string>{"q1|S1||0|0"}))
      << "errors are retried by a later run; q2 was not asked for";
  auto both = (*store)->finished_keys({"q1", "q2", "q3"});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->size(), 2u);
  auto counts = (*store)->cell_counts();
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ(counts->at("q1").ok, 1u);
  EXPECT_EQ(counts->at("q1").error, 1u);
  EXPECT_EQ(counts->at("q2").ok, 1u);
  EXPECT_EQ(counts->at("q2").error, 0u);

  // An ok result replaces an error; a reopened store sees everything.
  auto replaced = (*store)->put(cell("q1", Scenario::kPrivateCot, CellStatus::kOk));
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE(*replaced);
  // A second ok result of a cell (a late duplicate) is dropped: the first stays.
  CellResult late = cell("q1", Scenario::kPrivateCot, CellStatus::kOk);
  late.raw_answer = "Answer: C";
  auto dropped = (*store)->put(late);
  ASSERT_TRUE(dropped.ok());
  EXPECT_FALSE(*dropped);
  auto error_after_ok = (*store)->put(cell("q1", Scenario::kLocal, CellStatus::kError));
  ASSERT_TRUE(error_after_ok.ok());
  EXPECT_FALSE(*error_after_ok) << "an error never replaces an ok result";
  ASSERT_TRUE((*store)->put(cell("q2", Scenario::kLocal, CellStatus::kOk)).ok());
  store->reset();
  auto reopened = open(true);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message();
  auto cells = (*reopened)->cells();
  ASSERT_TRUE(cells.ok());
  ASSERT_EQ(cells->size(), 3u);
  EXPECT_EQ((*cells)[0].status, CellStatus::kOk);
  const CellResult& s3 = (*cells)[1];
  EXPECT_EQ(s3.key.str(), "q1|S3|santext+|2|0");
  EXPECT_EQ(s3.status, CellStatus::kOk);
  EXPECT_EQ(s3.sanitized, "sanitized \xE2\x80\x93 text");
  EXPECT_EQ(s3.remote_tokens_in, 42);
  EXPECT_EQ(s3.raw_answer, "Answer: B");
  EXPECT_TRUE(s3.correct());
}

TEST_P(ResultStoreTest, RefusesAnotherConfiguration) {
  {
    auto store = open();
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->bind_run(run_record("abc")).ok());
  }
  auto store = open();
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->bind_run(run_record("abc")).ok()) << "the same run resumes";
  auto other = (*store)->bind_run(run_record("xyz"));
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message().find("different configuration"), std::string::npos);
}

// SQLite: one writer at a time: a second claim fails at once naming the
// holder; a reader needs none; the claim ends with the object that held it.
// PostgreSQL: writers (workers) share the store through its work queue.
TEST_P(ResultStoreTest, OneWriterAtATimeOnSqliteAnyNumberOnPostgresql) {
  auto first = open();
  auto second = open();
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE((*first)->claim_writer().ok());
  EXPECT_TRUE((*first)->claim_writer().ok()) << "claiming again is no conflict";
  if (GetParam() == store_testing::Backend::kPostgres) {
    EXPECT_TRUE((*second)->claim_writer().ok());
    return;
  }
  auto refused = (*second)->claim_writer();
  ASSERT_FALSE(refused.ok());
  const std::string pid = "pid " + std::to_string(::getpid()) + " on ";
  EXPECT_EQ(refused.error().message().rfind(location() + ": another privqa run (" + pid, 0), 0u)
      << refused.error().message();
  EXPECT_NE(refused.error().message().find("is writing this store"), std::string::npos);
  auto reader = open(/*read_only=*/true);
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE((*reader)->cells().ok());
  first->reset();
  EXPECT_TRUE((*second)->claim_writer().ok());
}

TEST(ResultStore, ClearErrorsForMissingOrForeignFiles) {
  testing::TempDir dir;
  auto missing = open_sqlite_store(dir / "nope.db", true);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("nope.db"), std::string::npos);
  testing::write_text(dir / "text.db", "this is not a database, just text that is long enough");
  auto foreign = open_sqlite_store(dir / "text.db");
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.error().message().find("text.db"), std::string::npos);
  // A database without the store's tables (a first run killed as it began).
  {
    auto db = sqlite::Database::open(dir / "bare.db", sqlite::OpenMode::kReadWrite);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec("CREATE TABLE other (x INTEGER)", "create").ok());
  }
  auto bare = open_sqlite_store(dir / "bare.db", true);
  ASSERT_FALSE(bare.ok());
  EXPECT_EQ(bare.error().message(),
            (dir / "bare.db").string() +
                ": no run recorded in this store (its first run stopped before creating it)");
}

TEST_P(ResultStoreTest, RunRecordRoundTrip) {
  RunRecord run;
  run.fingerprint = "abc";
  run.config = {{"seed", 3}, {"epsilons", {1.0, 2.0}}};
  run.config_file = "x.toml";
  run.planned_cells = 12;
  run.local_provider = "l";
  run.remote_provider = "r";
  {
    auto store = open();
    ASSERT_TRUE(store.ok()) << store.error().message();
    auto none = (*store)->run();
    ASSERT_TRUE(none.ok()) << none.error().message();
    EXPECT_FALSE(none->has_value()) << "no run recorded yet is not an error";
    ASSERT_TRUE((*store)->bind_run(run).ok());
  }
  auto store = open(true);
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto back = (*store)->run();
  ASSERT_TRUE(back.ok()) << back.error().message();
  ASSERT_TRUE(back->has_value());
  const RunRecord& r = **back;
  EXPECT_EQ(r.fingerprint, "abc");
  EXPECT_EQ(r.config, run.config);
  EXPECT_EQ(r.config_file, "x.toml");
  EXPECT_EQ(r.planned_cells, 12);
  EXPECT_EQ(r.local_provider, "l");
  EXPECT_EQ(r.remote_provider, "r");
  // bind_run dates the run: "YYYY-MM-DDTHH:MM:SSZ".
  ASSERT_EQ(r.created_at.size(), 20u) << r.created_at;
  EXPECT_EQ(r.created_at[10], 'T');
  EXPECT_EQ(r.created_at.back(), 'Z');
}

SessionRecord session(double wall_seconds, int64_t hedges) {
  SessionRecord s;
  s.wall_seconds = wall_seconds;
  s.cells_ok = 3;
  s.providers["remote"] = {
      .model = "m", .role = ProviderRole::kRemote, .requests = 9, .hedges = hedges};
  return s;
}

TEST_P(ResultStoreTest, SessionsAppendInOrderAndStayOutOfMeta) {
  auto store = open();
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto none = (*store)->sessions();
  ASSERT_TRUE(none.ok()) << none.error().message();
  EXPECT_TRUE(none->empty());
  SessionRecord running = session(0.5, 0);
  running.ended = false;
  auto first = (*store)->append_session(running);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(*first, 0u);
  ASSERT_TRUE((*store)->set_meta("simulated", "true").ok());
  // A second connection appends too (another process finishing a run).
  {
    auto other = open();
    ASSERT_TRUE(other.ok());
    auto second = (*other)->append_session(session(2.5, 5));
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(*second, 1u);
  }
  // The first session, rewritten as it goes on, keeps its place.
  ASSERT_TRUE((*store)->replace_session(0, session(1.5, 2)).ok());
  auto beyond = (*store)->replace_session(2, session(1, 1));
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().message(), location() + ": there is no session 3 to rewrite");
  auto sessions = (*store)->sessions();
  ASSERT_TRUE(sessions.ok()) << sessions.error().message();
  ASSERT_EQ(sessions->size(), 2u);
  EXPECT_DOUBLE_EQ((*sessions)[0].wall_seconds, 1.5);
  EXPECT_TRUE((*sessions)[0].ended);
  EXPECT_EQ((*sessions)[0].providers.at("remote").hedges, 2);
  EXPECT_DOUBLE_EQ((*sessions)[1].wall_seconds, 2.5);
  EXPECT_EQ((*sessions)[1].providers.at("remote").hedges, 5);
  EXPECT_EQ((*sessions)[1].providers.at("remote").requests, 9);

  auto meta = (*store)->meta();
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(*meta, (std::map<std::string, std::string>{{"simulated", "true"}}));
  auto refused = (*store)->set_meta("sessions", "[]");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("append_session"), std::string::npos);
}

TEST_P(ResultStoreTest, CorruptSessionsAreAnErrorAndAreNotReset) {
  auto store = open();
  ASSERT_TRUE(store.ok());

  store_testing::write_raw_sessions(location(), "not json");
  auto garbled = (*store)->sessions();
  ASSERT_FALSE(garbled.ok());
  EXPECT_NE(garbled.error().message().find(location()), std::string::npos);
  EXPECT_NE(garbled.error().message().find("not a JSON array"), std::string::npos)
      << garbled.error().message();
  // Appending does not replace what it cannot read.
  EXPECT_FALSE((*store)->append_session(session(1, 1)).ok());

  nlohmann::json one = to_json(session(1, 1));
  one["providers"]["remote"].erase("hedges");
  store_testing::write_raw_sessions(location(),
                                    nlohmann::json::array({to_json(session(1, 1)), one}).dump());
  auto missing = (*store)->sessions();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            location() + ": session 2, provider 'remote': field 'hedges' is missing");
  auto append = (*store)->append_session(session(1, 1));
  ASSERT_FALSE(append.ok());
  EXPECT_EQ(append.error().message(), missing.error().message());

  // Neither failed append changed the stored value.
  EXPECT_EQ(nlohmann::json::parse(store_testing::raw_sessions(location())).size(), 2u);
}

// Keys sort bytewise (upper case before '_' before lower case), whatever the
// database's locale; numbers come back exactly.
TEST_P(ResultStoreTest, CellsSortBytewiseAndNumbersComeBackExactly) {
  auto store = open();
  ASSERT_TRUE(store.ok()) << store.error().message();
  std::vector<CellResult> written;
  for (const std::string id : {"b2", "_x", "B1", "a10", "a9"}) {
    CellResult c = cell(id, Scenario::kPrivateCot, CellStatus::kOk);
    c.key.eps = 0.1 * static_cast<double>(written.size() + 1);
    c.latency = 1.0 / 3.0;
    c.local_tokens_out = std::numeric_limits<int64_t>::max();
    c.remote_tokens_out = -1;
    c.details = R"({"mechanism":{"eps_spent":0.30000000000000004}})";
    ASSERT_TRUE((*store)->put(c).ok());
    written.push_back(c);
  }
  auto cells = (*store)->cells();
  ASSERT_TRUE(cells.ok()) << cells.error().message();
  std::vector<std::string> keys;
  for (const CellResult& c : *cells)
    keys.push_back(c.key.question_id);
  EXPECT_EQ(keys, (std::vector<std::string>{"B1", "_x", "a10", "a9", "b2"}));
  for (const CellResult& c : *cells) {
    const auto same = std::find_if(written.begin(), written.end(), [&](const CellResult& w) {
      return w.key.question_id == c.key.question_id;
    });
    ASSERT_NE(same, written.end());
    EXPECT_EQ(c.key.str(), same->key.str());
    EXPECT_EQ(c.key.eps, same->key.eps);  // bit for bit
    EXPECT_EQ(c.latency, 1.0 / 3.0);
    EXPECT_EQ(c.local_tokens_out, std::numeric_limits<int64_t>::max());
    EXPECT_EQ(c.remote_tokens_out, -1);
    EXPECT_EQ(c.details, same->details);
    EXPECT_EQ(c.parse_method, same->parse_method);
  }
}

// More cells than PostgreSQL's read fetches at once (2,000), with keys whose
// byte order differs from a locale's; each written in one statement.
TEST_P(ResultStoreTest, ReadingCellsOneAtATimeVisitsEachOnceInKeyOrder) {
  auto store = open();
  ASSERT_TRUE(store.ok()) << store.error().message();
  ASSERT_TRUE((*store)->bind_run(run_record("abc")).ok());
  constexpr int kCells = 4321;
  std::vector<std::string> keys;
  for (int i = 0; i < kCells; ++i) {
    CellResult c = cell(fmt::format("{}{}", i % 3 == 0 ? "Q" : "q", i),
                        i % 2 ? Scenario::kLocal : Scenario::kPrivateCot,
                        i % 7 ? CellStatus::kOk : CellStatus::kError);
    c.parsed = i % 4;
    c.parse_method = "letter";
    c.latency = i;
    ASSERT_TRUE((*store)->put(c).ok());
    keys.push_back(c.key.str());
  }
  std::sort(keys.begin(), keys.end());  // bytewise, as std::string compares

  for (const auto fields : {ResultStore::CellFields::kAll, ResultStore::CellFields::kOutcomes}) {
    const bool all = fields == ResultStore::CellFields::kAll;
    std::vector<std::string> visited;
    Status read = (*store)->for_each_cell(
        [&](CellResult& c) {
          visited.push_back(c.key.str());
          const int i = std::stoi(c.key.question_id.substr(1));
          EXPECT_EQ(c.status, i % 7 ? CellStatus::kOk : CellStatus::kError) << i;
          EXPECT_EQ(c.parsed, i % 4) << i;
          EXPECT_EQ(c.parse_method, "letter");
          EXPECT_EQ(c.gold, 1);
          EXPECT_EQ(c.attempts, 3);
          EXPECT_EQ(c.latency, i);
          EXPECT_EQ(c.remote_tokens_in, 42);
          EXPECT_EQ(c.sanitized, all ? "sanitized \xE2\x80\x93 text" : "") << i;
          EXPECT_EQ(c.cot, all ? "because" : "");
          EXPECT_EQ(c.raw_answer, all ? "Answer: B" : "");
          EXPECT_EQ(c.details, all ? "{}" : "");
          EXPECT_EQ(c.error, all && i % 7 == 0 ? "cot (remote): HTTP 500" : "");
          return Status::Ok();
        },
        fields);
    ASSERT_TRUE(read.ok()) << read.error().message();
    EXPECT_EQ(visited, keys);

    // Gathered at once: the same cells in the same order, though written
    // in another (SQLite reads them as stored and places them by key).
    auto gathered = (*store)->cells(fields);
    ASSERT_TRUE(gathered.ok()) << gathered.error().message();
    std::vector<std::string> gathered_keys;
    for (const CellResult& c : *gathered) {
      gathered_keys.push_back(c.key.str());
      const int i = std::stoi(c.key.question_id.substr(1));
      EXPECT_EQ(c.latency, i);
      EXPECT_EQ(c.sanitized, all ? "sanitized \xE2\x80\x93 text" : "") << i;
    }
    EXPECT_EQ(gathered_keys, keys);
  }

  // The visitor's error ends the read and comes back.
  size_t calls = 0;
  Status stopped = (*store)->for_each_cell([&](CellResult&) -> Status {
    return ++calls == 2500 ? Status(Error("enough")) : Status::Ok();
  });
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().message(), "enough");
  EXPECT_EQ(calls, 2500u);
}

// Reading the cells of some questions: each of their cells once, a
// question's cells together in key order, no cell of another question (not
// even one whose id starts with a wanted id), in PostgreSQL across batches.
TEST_P(ResultStoreTest, ReadingTheCellsOfSomeQuestionsVisitsTheirsOnly) {
  auto store = open();
  ASSERT_TRUE(store.ok()) << store.error().message();
  ASSERT_TRUE((*store)->bind_run(run_record("abc")).ok());
  constexpr int kQuestions = 1200;
  std::map<std::string, std::vector<std::string>> keys_of;  // wanted question -> its keys
  std::vector<std::string> wanted;
  for (int i = 0; i < kQuestions; ++i) {
    const std::string id = fmt::format("q{}", i);
    for (const Scenario s : {Scenario::kLocal, Scenario::kRemote, Scenario::kPrivateCot}) {
      CellResult c = cell(id, s, CellStatus::kOk);
      ASSERT_TRUE((*store)->put(c).ok());
      if (i % 2 == 1) keys_of[id].push_back(c.key.str());
    }
    if (i % 2 == 1) wanted.push_back(id);
  }
  for (auto& [id, keys] : keys_of)
    std::sort(keys.begin(), keys.end());
  wanted.push_back("q-none");  // no cells: nothing visited, no error

  std::map<std::string, std::vector<std::string>> visited;
  std::string last_id;
  size_t groups = 0;
  Status read = (*store)->for_each_cell_of(wanted, [&](CellResult& c) {
    if (c.key.question_id != last_id) ++groups;
    last_id = c.key.question_id;
    EXPECT_EQ(c.sanitized, "sanitized \xE2\x80\x93 text");
    visited[c.key.question_id].push_back(c.key.str());
    return Status::Ok();
  });
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(visited, keys_of);
  EXPECT_EQ(groups, keys_of.size());  // no question's cells split

  size_t calls = 0;
  Status stopped = (*store)->for_each_cell_of(wanted, [&](CellResult&) -> Status {
    return ++calls == 7 ? Status(Error("enough")) : Status::Ok();
  });
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().message(), "enough");
  EXPECT_EQ(calls, 7u);
}

// PostgreSQL: errors name the URL, never a password.
TEST(PostgresStore, ClearErrorsForUnreachableOrEmptyDatabases) {
  // Nothing listens on port 1 of loopback.
  const std::string closed = "postgresql://postgres@127.0.0.1:1/runs";
  auto unreachable = open_store(closed, true);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().message().rfind(closed + ": cannot connect: ", 0), 0u)
      << unreachable.error().message();
  auto secret = open_store("postgresql://me:hunter2@127.0.0.1:1/runs");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().message().find("hunter2"), std::string::npos);
  EXPECT_NE(secret.error().message().find("PGPASSWORD"), std::string::npos);

  PRIVQA_REQUIRE_POSTGRES(server);
  const std::string empty = server->new_database();
  auto none = open_store(empty, /*read_only=*/true);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message(),
            empty + ": no run recorded in this store (schema public holds no run store tables)");
  const std::string missing = empty + "_missing";
  auto no_database = open_store(missing);
  ASSERT_FALSE(no_database.ok());
  EXPECT_EQ(no_database.error().message().rfind(missing + ": cannot connect: ", 0), 0u);
  EXPECT_NE(no_database.error().message().find("does not exist"), std::string::npos)
      << no_database.error().message();
}

// A server that wants a password: none or a wrong one is an error naming
// the URL and the refusal, never the password; PGPASSWORD's opens it.
TEST(PostgresStore, AMissingOrWrongPasswordIsAClearError) {
  std::string why_not;
  auto server = testing::PostgresServer::start_private(why_not, "correct-horse");
  if (server == nullptr) GTEST_SKIP() << "no PostgreSQL server for this test: " << why_not;
  const std::string url = server->new_database();
  const std::filesystem::path no_file = testing::TempDir().path() / "none";
  ::setenv("PGPASSFILE", no_file.c_str(), 1);  // not the user's ~/.pgpass
  ::unsetenv("PGPASSWORD");
  auto none = open_store(url);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message().rfind(url + ": cannot connect: ", 0), 0u)
      << none.error().message();
  EXPECT_NE(none.error().message().find("no password supplied"), std::string::npos)
      << none.error().message();

  ::setenv("PGPASSWORD", "wrong-horse", 1);
  auto wrong = open_store(url);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message().rfind(url + ": cannot connect: ", 0), 0u)
      << wrong.error().message();
  EXPECT_NE(wrong.error().message().find("password authentication failed for user \"postgres\""),
            std::string::npos)
      << wrong.error().message();
  EXPECT_EQ(wrong.error().message().find("horse"), std::string::npos) << wrong.error().message();

  ::setenv("PGPASSWORD", "correct-horse", 1);
  auto right = open_store(url);
  ::unsetenv("PGPASSWORD");
  ::unsetenv("PGPASSFILE");
  ASSERT_TRUE(right.ok()) << right.error().message();
  EXPECT_TRUE((*right)->bind_run(run_record("abc")).ok());
}

// The server restarts under an open store: the next statement waits for it
// and goes on (a plain one and a transaction); nothing written before or
// after is lost. A server that stays away longer than reconnect_seconds is
// an error that says so.
TEST(PostgresStore, AStoreReconnectsWhenTheServerComesBack) {
  std::string why_not;
  auto server = testing::PostgresServer::start_private(why_not);
  if (server == nullptr) GTEST_SKIP() << "no PostgreSQL server for this test: " << why_not;
  const std::string url = server->new_database() + "?reconnect_seconds=60";
  auto store = open_store(url);
  ASSERT_TRUE(store.ok()) << store.error().message();
  ASSERT_TRUE((*store)->bind_run(run_record("abc")).ok());
  ASSERT_TRUE((*store)->put(cell("q1", Scenario::kLocal, CellStatus::kOk)).ok());

  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(server->stop_for_now());
    bool back = false;
    std::thread restart([&] {
      std::this_thread::sleep_for(std::chrono::seconds(2));
      back = server->start_again();
    });
    if (round == 0) {
      auto put = (*store)->put(cell("q2", Scenario::kLocal, CellStatus::kOk));
      restart.join();
      ASSERT_TRUE(back);
      ASSERT_TRUE(put.ok()) << put.error().message();
      EXPECT_TRUE(*put);
    } else {
      SessionRecord session;
      session.worker = "w1";
      auto appended = (*store)->append_session(session);  // a transaction
      restart.join();
      ASSERT_TRUE(back);
      ASSERT_TRUE(appended.ok()) << appended.error().message();
    }
  }
  auto cells = (*store)->cells();
  ASSERT_TRUE(cells.ok()) << cells.error().message();
  ASSERT_EQ(cells->size(), 2u);
  EXPECT_EQ((*cells)[0].key.question_id, "q1");
  EXPECT_EQ((*cells)[1].key.question_id, "q2");
  auto sessions = (*store)->sessions();
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ((*sessions)[0].worker, "w1");

  const std::string impatient_url = server->new_database() + "?reconnect_seconds=1";
  auto impatient = open_store(impatient_url);
  ASSERT_TRUE(impatient.ok()) << impatient.error().message();
  ASSERT_TRUE(server->stop_for_now());
  auto lost = (*impatient)->put(cell("q1", Scenario::kLocal, CellStatus::kOk));
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().message().rfind(impatient_url +
                                             ": the connection to the database was lost (cannot "
                                             "write cell q1|S1||0|0 (table cells): ",
                                         0),
            0u)
      << lost.error().message();
  EXPECT_NE(lost.error().message().find("could not be made again within 1 s (reconnect_seconds)"),
            std::string::npos)
      << lost.error().message();
}

// ?schema=NAME: one database, separate runs, each with its own writer.
TEST(PostgresStore, SchemasHoldSeparateRuns) {
  PRIVQA_REQUIRE_POSTGRES(server);
  const std::string database = server->new_database();
  auto a = open_store(database + "?schema=exp_a");
  auto b = open_store(database + "?schema=exp_b");
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(b.ok()) << b.error().message();
  ASSERT_TRUE((*a)->claim_writer().ok());
  ASSERT_TRUE((*b)->claim_writer().ok()) << "another schema is another store";
  ASSERT_TRUE((*a)->bind_run(run_record("abc")).ok());
  ASSERT_TRUE((*b)->bind_run(run_record("xyz")).ok());
  ASSERT_TRUE((*a)->put(cell("q1", Scenario::kLocal, CellStatus::kOk)).ok());
  auto cells_b = (*b)->cells();
  ASSERT_TRUE(cells_b.ok());
  EXPECT_TRUE(cells_b->empty());
  auto a_again = open_store(database + "?schema=exp_a", /*read_only=*/true);
  ASSERT_TRUE(a_again.ok());
  auto cells_a = (*a_again)->cells();
  ASSERT_TRUE(cells_a.ok());
  ASSERT_EQ(cells_a->size(), 1u);
  EXPECT_EQ((*cells_a)[0].key.str(), "q1|S1||0|0");
  EXPECT_EQ(store_label(database + "?schema=exp_a"), "exp_a");
  EXPECT_EQ(store_label(database), database.substr(database.rfind('/') + 1));
}
}  // namespace
}  // namespace privqa
