// ResultStore: the durable record of a run, one row per finished cell.
//
// The SQLite implementation keeps a run in one database file (WAL mode): the
// run's resolved configuration, one row per cell written as the cell
// finishes, and (through llm/ResponseCache, same file) the response cache. A
// process killed at any moment loses at most cells in flight; rows already
// written survive and the file stays consistent. The interface leaves room
// for a shared server-backed store with many workers (DESIGN §7).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/store/cell.h"

namespace privqa {

struct RunRecord {
  std::string fingerprint;  // hash of everything in the config that affects results
  std::string config_json;  // the resolved configuration
  std::string created_at;   // UTC, ISO 8601
};

class ResultStore {
 public:
  virtual ~ResultStore() = default;

  // First use of a store records the run; later uses must present the same
  // fingerprint, so one store never mixes results of two configurations.
  virtual Status bind_run(const RunRecord& run) = 0;
  virtual Result<std::optional<RunRecord>> run() = 0;

  // Facts about the run learned while it runs, e.g. "simulated" = "true" when
  // a provider identified itself as privqa's simulator.
  virtual Status set_meta(const std::string& key, const std::string& value) = 0;
  virtual Result<std::map<std::string, std::string>> meta() = 0;

  // Inserts or replaces the row of `cell.key` and makes it durable.
  virtual Status put(const CellResult& cell) = 0;
  // Keys (CellKey::str) of cells finished with status ok.
  virtual Result<std::unordered_set<std::string>> finished_keys() = 0;
  // Every stored cell, ordered by key.
  virtual Result<std::vector<CellResult>> cells() = 0;
};

// Opens or creates a SQLite store. With `read_only`, a missing file is an error.
Result<std::unique_ptr<ResultStore>> open_sqlite_store(const std::filesystem::path& path,
                                                       bool read_only = false);

}  // namespace privqa
