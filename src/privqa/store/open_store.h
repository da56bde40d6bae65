// Where a run is stored, as the user names it: a SQLite file path (the
// default) or a postgresql:// URL (postgres_url.h). Every command that opens
// a run opens it through these, so a URL works wherever a path does.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/store/response_cache.h"
#include "privqa/store/result_store.h"
#include "privqa/store/work_queue.h"

namespace privqa {

// The run store at `location` (open_sqlite_store or open_postgres_store).
// With `read_only`, a missing store is an error and nothing is written.
Result<std::unique_ptr<ResultStore>> open_store(const std::string& location,
                                                bool read_only = false);

// The response cache of the run stored at `location`: in the same SQLite
// file, or the database's shared cache. A process that also holds the run's
// store asks the store instead (ResultStore::response_cache), which shares
// its SQLite connection.
Result<std::unique_ptr<ResponseCache>> open_response_cache(const std::string& location);

// The queue a run at `location` takes its questions from: shared by every
// worker of a PostgreSQL store, with leases of `lease_seconds`; in memory
// for a SQLite file, which one run writes at a time.
Result<std::unique_ptr<WorkQueue>> open_work_queue(const std::string& location,
                                                   double lease_seconds);
// The workers of the store at `location`; empty for a SQLite file.
Result<std::vector<WorkerRecord>> read_workers(const std::string& location);

// A short name for the run at `location` in reports: a file's name without
// its extension; a URL's schema, or its database when the schema is public.
std::string store_label(const std::string& location);

}  // namespace privqa
