// What the SQLite and PostgreSQL run stores share (result_store.h states the
// contract): the meta keys they reserve, the values they write, and the
// checks and messages for what they read back. `where` is the store's path
// or URL, which every message starts with.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/store/cell.h"
#include "privqa/store/records.h"
#include "privqa/store/result_store.h"

namespace privqa::store_shared {

// The meta key holding the session records, a JSON array.
inline constexpr const char* kSessionsKey = "sessions";
// The meta key naming the process that last claimed the store for writing.
inline constexpr const char* kWriterKey = "writer";

// The columns of table `cells` in the order for_each_cell reads them
// (finished_at, written by put(), is not read back); for kOutcomes, the
// texts are read as ''.
const char* cell_columns(ResultStore::CellFields fields);
// How many columns cell_columns names.
constexpr int kCellColumns = 21;

// put()'s statement in the backend's parameter style (`numbered`: $1, $2,
// ... as PostgreSQL's; else ?): inserts a cell, or replaces a stored error
// of its key, never an ok row; returns a row when it stored one. Its
// parameters are the columns of table `cells` in order, 23 of them.
std::string put_cell_sql(bool numbered);

// The store's tables (docs/architecture.md, "The store") in one backend's
// column types.
struct ColumnTypes {
  const char* key;      // the text primary keys
  const char* real;     // eps, latency
  const char* integer;  // token counts (64 bits)
};
std::string table_definitions(const ColumnTypes& types);

// "YYYY-MM-DDTHH:MM:SSZ", now.
std::string utc_now();
// Who claims a store: "pid N on HOST, since TIME".
std::string writer_tag();
// The error of a claim refused because another run holds it; names the
// holder when `store`'s meta records one.
Error writer_busy(const std::string& where, ResultStore& store);

// The stored run record from its columns.
Result<RunRecord> decode_run(const std::string& where, std::string fingerprint,
                             std::string_view config_json, std::string created_at);

// The stored session records (`stored`: the meta value, nullopt when none
// is stored); empty when none.
Result<std::vector<SessionRecord>> decode_sessions(const std::string& where,
                                                   const std::optional<std::string>& stored);

// The text columns of a cell's key and status as stored, and back.
std::string status_text(CellStatus status);
Status decode_labels(const std::string& where, const std::string& key, const std::string& scenario,
                     const std::string& status, CellResult& cell);

// The ResultStore calls both backends implement alike, over the primitives
// each provides.
class SharedResultStore : public ResultStore {
 public:
  Status bind_run(const RunRecord& run) final;
  Result<size_t> append_session(const SessionRecord& session) final;
  Status replace_session(size_t index, const SessionRecord& session) final;
  Result<std::vector<SessionRecord>> sessions() final;
  Status set_meta(const std::string& key, const std::string& value) final;

 protected:
  // The store's path or URL.
  virtual std::string where() const = 0;
  // Runs `body` in a transaction that keeps other writers of table meta
  // out, committed when `body` succeeds.
  using Body = std::function<Result<size_t>()>;
  virtual Result<size_t> in_write_transaction(const Body& body) = 0;
  // The meta value "sessions"; nullopt when none is stored.
  virtual Result<std::optional<std::string>> stored_sessions() = 0;
  // Records `run` (bind_run has found none); false when another process
  // recorded one first.
  virtual Result<bool> insert_run(const RunRecord& run) = 0;
  // Inserts or replaces a meta value (any key).
  virtual Status write_meta(const std::string& key, const std::string& value) = 0;

 private:
  // Reads the session records, lets `edit` change one and writes them back,
  // in one transaction: two processes at once both keep their sessions.
  // Records that cannot be read stop the edit rather than being carried
  // along or dropped. Returns the index of the record changed.
  Result<size_t> edit_sessions(const std::function<Result<size_t>(nlohmann::json&)>& edit);
};

}  // namespace privqa::store_shared
