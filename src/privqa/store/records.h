// The records a run store keeps besides its cells: the run (what was run),
// and one session per `privqa run` invocation (how long it took, what each
// provider did). Writers and readers (the runner, `privqa status`, the
// report) exchange these structs; each has exactly one JSON form, defined in
// records.cpp.
//
// Reading is strict: a missing field, a field of the wrong type or an unknown
// field is an error naming the record and the field ("session 2, provider
// 'remote': field 'hedges' is missing"), never a silent 0.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/base/result.h"

namespace privqa {

enum class ProviderRole { kLocal, kRemote };
const char* provider_role_name(ProviderRole role);  // "local", "remote"
std::optional<ProviderRole> parse_provider_role(std::string_view text);

// What one provider did in one session (the runner fills it from LlmClient's
// counters), or summed over sessions (provider_totals()).
struct ProviderTotals {
  std::string model;
  ProviderRole role = ProviderRole::kLocal;
  int64_t calls = 0;         // chat/embedding calls made
  int64_t requests = 0;      // HTTP attempts sent, hedge copies included
  int64_t retries = 0;       // attempts after the first of a call
  int64_t hedges = 0;        // hedge copies of slow attempts
  int64_t rate_limited = 0;  // 429 responses
  int64_t failures = 0;      // calls that ended in an error
  int64_t cache_hits = 0;    // calls answered from the response cache
  int64_t cache_errors = 0;  // response cache reads and writes that failed
  int64_t tokens_in = 0;     // prompt tokens reported by the provider
  int64_t tokens_out = 0;    // completion tokens
  // Calls whose reply reported no usage: their tokens (and cost) are
  // estimated at four characters a token (LlmClient).
  int64_t estimated_usage = 0;
  double cost = 0;  // from the configured prices
  // A provider with several replicas (base_urls): each one's share, by URL.
  struct Replica {
    int64_t requests = 0;   // attempts and hedge copies sent to it
    int64_t failed = 0;     // attempts it failed as a down server does
    int64_t taken_out = 0;  // times it was taken out of rotation
  };
  std::map<std::string, Replica> replicas;

  // Adds the counts of `later`; model and role become the later session's.
  ProviderTotals& operator+=(const ProviderTotals& later);
};

struct SessionRecord {
  double wall_seconds = 0;
  int64_t cells_ok = 0;       // finished in this session
  int64_t cells_error = 0;    // stored as errors in this session
  int64_t cells_not_run = 0;  // left for a later session
  bool interrupted = false;   // stopped by a signal
  // False while the session runs (its record is rewritten every second), and
  // for good when its process was killed: the counts are then those of its
  // last second.
  bool ended = true;
  std::map<std::string, ProviderTotals> providers;  // by provider name
  // A worker's session on a store shared by workers (work_queue.h): its id
  // in the store's queue ("" for a run alone on its store), the questions it
  // took over from lost workers, and the cells it finished after another
  // worker had stored them (dropped).
  std::string worker;
  int64_t reclaimed = 0;
  int64_t late_duplicates = 0;
};

struct RunRecord {
  std::string fingerprint;  // hash of everything in the config that affects results
  std::string created_at;   // UTC, ISO 8601; bind_run sets it when empty
  nlohmann::json config = nlohmann::json::object();  // the results identity, a JSON object
  std::string config_file;                           // the config the run was started from
  int64_t planned_cells = 0;                         // cells of the run's plan
  std::string local_provider;                        // provider names; "" when not used
  std::string remote_provider;
  // The run seed when the config gives none: drawn from the OS by the process
  // that created the store, read back by every later one. A secret key of the
  // mechanisms' randomness, so nothing but the store holds it.
  std::optional<uint64_t> secret_seed;
};

// JSON forms. A RunRecord's fingerprint and created_at are not part of its
// JSON (the store keeps them in columns of their own).
nlohmann::json to_json(const ProviderTotals& totals);
nlohmann::json to_json(const SessionRecord& session);
nlohmann::json to_json(const RunRecord& run);

// `record` names the record in errors ("session 2").
Result<ProviderTotals> provider_totals_from_json(const nlohmann::json& j,
                                                 const std::string& record);
Result<SessionRecord> session_from_json(const nlohmann::json& j, const std::string& record);
Result<RunRecord> run_from_json(const nlohmann::json& j, const std::string& record);

// Each provider's totals over every session, by name.
std::map<std::string, ProviderTotals> provider_totals(const std::vector<SessionRecord>& sessions);

}  // namespace privqa
