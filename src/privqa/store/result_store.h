// ResultStore: the durable record of a run: the run record, one row per
// finished cell, one session record per `privqa run` (records.h), and a few
// facts learned while running.
//
// Two implementations: SQLite keeps a run in one database file (WAL mode),
// the same file that holds the run's response cache (response_cache.h);
// PostgreSQL keeps it in a schema of a database (postgres_store.h).
// open_store (open_store.h) picks one from the location the user gives. A
// process killed at any moment loses at most cells in flight; rows already
// written survive and the store stays consistent.
//
// Threading: a store object is used by one thread at a time (the runner's
// event loop thread). Several store objects, in one process or several, may
// open the same store; the database serializes their writes. One run writes
// a store at a time (claim_writer); readers need no claim.
//
// Not found: a store with no run recorded yet returns nullopt from run() and
// empty lists from the other readers; none of that is an error. A stored
// record that cannot be read back (a missing or mistyped field, a value that
// is not JSON) is an error naming the file or URL, the record and the field.
//
// Ownership: readers return copies; the store owns its connection.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/store/cell.h"
#include "privqa/store/records.h"
#include "privqa/store/response_cache.h"

namespace privqa {

class ResultStore {
 public:
  virtual ~ResultStore() = default;

  // SQLite: makes this object the store's one writing run until it is
  // destroyed or its process ends, however it ends (an flock on the file);
  // fails at once, naming the process, while another object holds the
  // claim: two runs on one file would both run every cell. PostgreSQL: any
  // number of runs write one store; they share its questions through its
  // work queue (work_queue.h), and the claim excludes nobody.
  virtual Status claim_writer() = 0;

  // First use of a store records the run; later uses must present the same
  // fingerprint (the rest of `run` is then ignored), so one store never mixes
  // results of two configurations.
  virtual Status bind_run(const RunRecord& run) = 0;
  // The recorded run, or nullopt when none is recorded yet.
  virtual Result<std::optional<RunRecord>> run() = 0;

  // Appends one session record, atomically with respect to other writers;
  // returns its index, for replace_session.
  virtual Result<size_t> append_session(const SessionRecord& session) = 0;
  // Rewrites the record at `index` (a session's record as it goes on).
  virtual Status replace_session(size_t index, const SessionRecord& session) = 0;
  // Every session, oldest first; empty when none is recorded.
  virtual Result<std::vector<SessionRecord>> sessions() = 0;

  // Facts about the run learned while it runs, e.g. "simulated" = "true" when
  // a provider identified itself as privqa's simulator. The key "sessions"
  // is reserved for the session records (refused here, left out of meta()).
  virtual Status set_meta(const std::string& key, const std::string& value) = 0;
  virtual Result<std::map<std::string, std::string>> meta() = 0;
  // The meta key of the question file's content hash (Dataset::content_hash)
  // as the run first read it.
  static constexpr const char* kDatasetHashKey = "dataset_hash";

  // Stores the cell durably, replacing a stored error of its key. Returns
  // false, storing nothing, when its key is stored as ok already: the first
  // ok result of a cell stays (a late duplicate from a worker whose lease
  // another took over is dropped).
  virtual Result<bool> put(const CellResult& cell) = 0;
  // The response cache kept with this run (response_cache.h). A SQLite
  // store's shares its connection: two connections writing one file in turn
  // each find the other's commit at their next write and drop their page
  // cache, so every insert would read its B-tree path from the file again.
  virtual Result<std::unique_ptr<ResponseCache>> response_cache() = 0;
  // Stored cells of each question id: how many ok, how many errors.
  struct CellCounts {
    size_t ok = 0;
    size_t error = 0;
  };
  virtual Result<std::unordered_map<std::string, CellCounts>> cell_counts() = 0;
  // Keys (CellKey::str) of the cells of `question_ids` finished with status ok.
  virtual Result<std::unordered_set<std::string>> finished_keys(
      const std::vector<std::string>& question_ids) = 0;

  // Which columns a read of cells fills.
  enum class CellFields {
    kAll,
    // The key and the outcome (status, parsed, parse_method, gold, attempts,
    // latency, tokens); the texts (sanitized, cot, raw_answer, error,
    // details) stay empty, unread.
    kOutcomes,
  };
  // Calls `visit` with each stored cell, ordered by key, one at a time, so a
  // reader of a run larger than memory holds only what it keeps. Stops at
  // the first error of the read or of `visit`, and returns it. Cells stored
  // while it reads may or may not be visited.
  using CellVisitor = std::function<Status(CellResult&)>;
  virtual Status for_each_cell(const CellVisitor& visit, CellFields fields = CellFields::kAll) = 0;
  // As for_each_cell, for the cells of the questions `question_ids` only
  // (read through the question index): a question's cells come together and
  // ordered by key; the order of the questions is unspecified.
  virtual Status for_each_cell_of(const std::vector<std::string>& question_ids,
                                  const CellVisitor& visit,
                                  CellFields fields = CellFields::kAll) = 0;
  // Every stored cell, ordered by key. SQLite reads the order from the
  // key's index, then the rows in the order they are stored, in one
  // snapshot: a sequential read, not a seek per cell.
  virtual Result<std::vector<CellResult>> cells(CellFields fields = CellFields::kAll);
};

// Opens or creates a SQLite store (and the folders above it). With
// `read_only`, a missing file is an error and nothing is written.
Result<std::unique_ptr<ResultStore>> open_sqlite_store(const std::filesystem::path& path,
                                                       bool read_only = false);

}  // namespace privqa
