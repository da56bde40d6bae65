// The PostgreSQL backend (postgres_url.h for the URL): the run store and the
// response cache in a database, with the contracts of result_store.h and
// response_cache.h. Differences from the SQLite backend:
//
// - A run's tables (run, meta, cells) live in the URL's schema, so one
//   database holds several runs, one per schema.
// - The response cache is one table for the whole database (schema
//   privqa_cache): every run and process using the database shares it.
// - The writer claim is a session-level advisory lock on the schema, held
//   by the store's connection: it ends with the store object, its process,
//   or the connection. It is a single-writer claim: cooperating workers
//   will claim batches of cells instead (later work), beside it.
#pragma once

#include <memory>

#include "privqa/base/result.h"
#include "privqa/store/postgres_url.h"
#include "privqa/store/response_cache.h"
#include "privqa/store/result_store.h"

namespace privqa {

// Opens the run store of `url`'s schema, creating schema and tables unless
// `read_only`; read-only, a schema without the tables is an error.
Result<std::unique_ptr<ResultStore>> open_postgres_store(const PostgresUrl& url,
                                                         bool read_only = false);

// Opens (creating if needed) the database's response cache.
Result<std::unique_ptr<ResponseCache>> open_postgres_response_cache(const PostgresUrl& url);

}  // namespace privqa
