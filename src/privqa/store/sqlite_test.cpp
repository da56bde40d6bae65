// The SQLite wrapper: statements, transactions, and errors that name the file.
#include "privqa/store/sqlite.h"

#include <gtest/gtest.h>

#include "testing.h"

namespace privqa::sqlite {
namespace {

bool mentions(const Error& e, const std::string& text) {
  return e.message().find(text) != std::string::npos;
}

TEST(Sqlite, ReadOnlyOpenOfAMissingFileNamesIt) {
  testing::TempDir dir;
  const auto path = dir / "missing.db";
  auto db = Database::open(path, OpenMode::kReadOnly);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().message(), path.string() + ": cannot open read-only: no such file");
  EXPECT_FALSE(std::filesystem::exists(path)) << "a read-only open creates nothing";
}

TEST(Sqlite, OpenFailuresNameThePath) {
  testing::TempDir dir;
  auto no_folder = Database::open(dir / "no" / "such" / "x.db", OpenMode::kReadWrite);
  ASSERT_FALSE(no_folder.ok());
  EXPECT_TRUE(mentions(no_folder.error(), (dir / "no" / "such" / "x.db").string()))
      << no_folder.error().message();
  testing::write_text(dir / "text.db", "this is not a database, just text that is long enough");
  auto foreign = Database::open(dir / "text.db", OpenMode::kReadWrite);
  ASSERT_FALSE(foreign.ok());
  EXPECT_TRUE(mentions(foreign.error(), (dir / "text.db").string() + ": cannot open: "))
      << foreign.error().message();
}

TEST(Sqlite, StatementsBindStepAndRunAgain) {
  testing::TempDir dir;
  auto db = Database::open(dir / "t.db", OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok()) << db.error().message();
  ASSERT_TRUE(db->exec("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, x REAL)", "create").ok());
  auto insert = db->prepare("INSERT INTO t VALUES (?, ?, ?)");
  ASSERT_TRUE(insert.ok()) << insert.error().message();
  // A string with a NUL and a value past 32 bits survive.
  const std::string key("a\0b", 3);
  ASSERT_TRUE(insert->bind_text(1, key)
                  .bind_int64(2, int64_t{1} << 40)
                  .bind_double(3, 0.5)
                  .run("insert a")
                  .ok());
  ASSERT_TRUE(insert->bind_text(1, "c").bind_int64(2, 7).bind_double(3, -1).run("insert c").ok());

  auto select = db->prepare("SELECT k, n, x FROM t ORDER BY n");
  ASSERT_TRUE(select.ok());
  for (int pass = 0; pass < 2; ++pass) {  // a finished statement runs again
    auto row = select->step("select");
    ASSERT_TRUE(row.ok() && *row);
    EXPECT_EQ(select->column_text(0), "c");
    EXPECT_EQ(select->column_int64(1), 7);
    row = select->step("select");
    ASSERT_TRUE(row.ok() && *row);
    EXPECT_EQ(select->column_text(0), key);
    EXPECT_EQ(select->column_int64(1), int64_t{1} << 40);
    EXPECT_DOUBLE_EQ(select->column_double(2), 0.5);
    row = select->step("select");
    ASSERT_TRUE(row.ok());
    EXPECT_FALSE(*row);
  }
}

TEST(Sqlite, FailingStatementsNameThePathAndWhatFailed) {
  testing::TempDir dir;
  const auto path = dir / "t.db";
  auto db = Database::open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->exec("CREATE TABLE t (k TEXT PRIMARY KEY)", "create").ok());

  auto bad_sql = db->prepare("SELECT k FROM nowhere");
  ASSERT_FALSE(bad_sql.ok());
  EXPECT_EQ(bad_sql.error().message(),
            path.string() +
                ": cannot prepare \"SELECT k FROM nowhere\": no such table: "
                "nowhere");

  auto insert = db->prepare("INSERT INTO t VALUES (?)");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->bind_text(1, "k").run("insert k").ok());
  Status duplicate = insert->bind_text(1, "k").run("insert k again");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_TRUE(mentions(duplicate.error(), path.string() + ": cannot insert k again: "))
      << duplicate.error().message();
  EXPECT_TRUE(mentions(duplicate.error(), "UNIQUE")) << duplicate.error().message();
  // The statement is usable after its failure.
  EXPECT_TRUE(insert->bind_text(1, "j").run("insert j").ok());

  Status bad_bind = insert->bind_text(2, "no such parameter").run("insert with a bad bind");
  ASSERT_FALSE(bad_bind.ok());
  EXPECT_TRUE(mentions(bad_bind.error(), path.string() + ": cannot insert with a bad bind: "
                                                         "parameter 2"))
      << bad_bind.error().message();

  Status bad_exec = db->exec("DROP TABLE nowhere", "drop");
  ASSERT_FALSE(bad_exec.ok());
  EXPECT_EQ(bad_exec.error().message(), path.string() + ": cannot drop: no such table: nowhere");
}

TEST(Sqlite, ReadOnlyConnectionsRefuseWrites) {
  testing::TempDir dir;
  const auto path = dir / "t.db";
  {
    auto db = Database::open(path, OpenMode::kReadWrite);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec("CREATE TABLE t (k TEXT)", "create").ok());
  }
  auto db = Database::open(path, OpenMode::kReadOnly);
  ASSERT_TRUE(db.ok()) << db.error().message();
  Status write = db->exec("INSERT INTO t VALUES ('x')", "write");
  ASSERT_FALSE(write.ok());
  EXPECT_TRUE(mentions(write.error(), path.string() + ": cannot write: "))
      << write.error().message();
}

int64_t count_rows(Database& db) {
  auto s = db.prepare("SELECT count(*) FROM t");
  if (!s) return -1;
  auto row = s->step("count");
  return row.ok() && *row ? s->column_int64(0) : -1;
}

TEST(Sqlite, TransactionsCommitOrRollBack) {
  testing::TempDir dir;
  auto db = Database::open(dir / "t.db", OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->exec("CREATE TABLE t (k TEXT)", "create").ok());
  {
    auto t = Transaction::begin(*db);
    ASSERT_TRUE(t.ok()) << t.error().message();
    ASSERT_TRUE(db->exec("INSERT INTO t VALUES ('dropped')", "insert").ok());
  }  // not committed: rolled back
  EXPECT_EQ(count_rows(*db), 0);
  {
    auto t = Transaction::begin(*db);
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE(db->exec("INSERT INTO t VALUES ('kept')", "insert").ok());
    ASSERT_TRUE(t->commit().ok());
  }
  EXPECT_EQ(count_rows(*db), 1);
}

TEST(Sqlite, StatementsMayOutliveTheirDatabase) {
  testing::TempDir dir;
  std::optional<Statement> kept;
  {
    auto db = Database::open(dir / "t.db", OpenMode::kReadWrite);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec("CREATE TABLE t (k TEXT); INSERT INTO t VALUES ('x')", "create").ok());
    auto s = db->prepare("SELECT k FROM t");
    ASSERT_TRUE(s.ok());
    kept.emplace(std::move(*s));
  }
  auto row = kept->step("select");
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(kept->column_text(0), "x");
}

}  // namespace
}  // namespace privqa::sqlite
