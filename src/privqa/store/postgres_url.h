// A run's location as a PostgreSQL URL:
//
//   postgresql://USER@HOST:PORT/DATABASE[?schema=NAME][&reconnect_seconds=S]
//                                       [&libpq parameters]
//
// (postgres:// too). `schema` and `reconnect_seconds` are privqa's own
// parameters. The run's tables go in schema NAME (created when missing), so
// several experiments can share one database; without it they go in
// `public`. A connection lost mid-run (the server restarted) is reconnected
// for up to S seconds (default 300) before the run stops with an error
// (postgres.h). Every other parameter is libpq's (e.g. sslmode=require).
//
// The password is never part of a location: libpq reads it from PGPASSWORD
// or ~/.pgpass. A URL holding one (USER:SECRET@ or ?password=) is refused, so
// a config file or a command line never carries a secret and no message or
// record repeats one.
#pragma once

#include <string>
#include <string_view>

#include "privqa/base/result.h"

namespace privqa {

struct PostgresUrl {
  std::string conninfo;  // what libpq connects with: the URL without `schema`
  std::string shown;     // the URL as given, for messages and records
  std::string schema;    // "public" unless ?schema=NAME
  double reconnect_seconds = 300;
};

// Whether `location` names a PostgreSQL database rather than a SQLite file.
bool is_postgres_url(std::string_view location);

// Parses a URL for which is_postgres_url holds. Errors name the URL (its
// password, if any, masked) and what is wrong with it.
Result<PostgresUrl> parse_postgres_url(std::string_view url);

}  // namespace privqa
