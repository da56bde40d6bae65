// The PostgreSQL backend (postgres_url.h for the URL): the run store and the
// response cache in a database, with the contracts of result_store.h and
// response_cache.h. Differences from the SQLite backend:
//
// - A run's tables (run, meta, cells) live in the URL's schema, so one
//   database holds several runs, one per schema.
// - The response cache is one table for the whole database (schema
//   privqa_cache): every run and process using the database shares it.
// - Any number of runs (workers) write one store at once: claim_writer
//   claims nothing, and the runs share the questions through the store's
//   work queue (work_queue.h), leasing them.
#pragma once

#include <memory>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/store/postgres_url.h"
#include "privqa/store/response_cache.h"
#include "privqa/store/result_store.h"
#include "privqa/store/work_queue.h"

namespace privqa {

// Opens the run store of `url`'s schema, creating schema and tables unless
// `read_only`; read-only, a schema without the tables is an error.
Result<std::unique_ptr<ResultStore>> open_postgres_store(const PostgresUrl& url,
                                                         bool read_only = false);

// Registers a new worker in the work queue of `url`'s schema (creating its
// tables if needed); its leases last `lease_seconds` past each heartbeat.
Result<std::unique_ptr<WorkQueue>> open_postgres_work_queue(const PostgresUrl& url,
                                                            double lease_seconds);
// Every worker the schema's queue has seen, oldest first; empty when none.
Result<std::vector<WorkerRecord>> postgres_workers(const PostgresUrl& url);

// Opens (creating if needed) the database's response cache.
Result<std::unique_ptr<ResponseCache>> open_postgres_response_cache(const PostgresUrl& url);

}  // namespace privqa
