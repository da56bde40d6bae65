#include "privqa/store/records.h"

#include <fmt/format.h>

#include <limits>
#include <set>

namespace privqa {

namespace {

using nlohmann::json;

// Reads the fields of one JSON object, keeping the first problem: a missing
// field, a field of another type, or (at finish()) a field nobody asked for.
class FieldReader {
 public:
  FieldReader(const json& j, const std::string& record) : j_(j), record_(record) {
    if (!j_.is_object()) fail(fmt::format("is not a JSON object but {}", j_.type_name()));
  }

  std::string text(const char* name) {
    const json* v = field(name, &json::is_string, "a string");
    return v ? v->get<std::string>() : std::string();
  }
  int64_t count(const char* name) {
    const json* v = field(name, &json::is_number_integer, "an integer");
    if (v == nullptr) return 0;
    if (v->is_number_unsigned()
            ? v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
            : v->get<int64_t>() < 0) {
      fail(fmt::format("field '{}' must be a count (0 or more), not {}", name, v->dump()));
      return 0;
    }
    return v->get<int64_t>();
  }
  // Any integer in [0, 2^64).
  uint64_t whole(const char* name) {
    const json* v = field(name, &json::is_number_integer, "an integer");
    if (v == nullptr) return 0;
    if (!v->is_number_unsigned() && v->get<int64_t>() < 0) {
      fail(fmt::format("field '{}' must be 0 or more, not {}", name, v->dump()));
      return 0;
    }
    return v->get<uint64_t>();
  }
  bool has(const char* name) const { return j_.is_object() && j_.contains(name); }
  double number(const char* name) {
    const json* v = field(name, &json::is_number, "a number");
    return v ? v->get<double>() : 0.0;
  }
  bool boolean(const char* name) {
    const json* v = field(name, &json::is_boolean, "true or false");
    return v ? v->get<bool>() : false;
  }
  const json& object(const char* name) {
    static const json kEmpty = json::object();
    const json* v = field(name, &json::is_object, "a JSON object");
    return v ? *v : kEmpty;
  }
  void fail(const std::string& problem) {
    if (!error_) error_ = Error(record_ + ": " + problem);
  }
  bool failed() const { return error_.has_value(); }

  Status finish() {
    if (!error_ && j_.is_object()) {
      for (const auto& [key, value] : j_.items()) {
        if (read_.count(key) == 0) {
          fail(fmt::format("unknown field '{}'", key));
          break;
        }
      }
    }
    if (error_) return *error_;
    return Status::Ok();
  }

 private:
  const json* field(const char* name, bool (json::*is)() const noexcept, const char* type) {
    if (error_) return nullptr;
    const auto it = j_.find(name);
    if (it == j_.end()) {
      fail(fmt::format("field '{}' is missing", name));
      return nullptr;
    }
    if (!((*it).*is)()) {
      fail(fmt::format("field '{}' must be {}, not {}", name, type, it->type_name()));
      return nullptr;
    }
    read_.insert(name);
    return &*it;
  }

  const json& j_;
  std::string record_;
  std::set<std::string> read_;
  std::optional<Error> error_;
};

}  // namespace

const char* provider_role_name(ProviderRole role) {
  return role == ProviderRole::kLocal ? "local" : "remote";
}

std::optional<ProviderRole> parse_provider_role(std::string_view text) {
  if (text == "local") return ProviderRole::kLocal;
  if (text == "remote") return ProviderRole::kRemote;
  return std::nullopt;
}

ProviderTotals& ProviderTotals::operator+=(const ProviderTotals& later) {
  model = later.model;
  role = later.role;
  calls += later.calls;
  requests += later.requests;
  retries += later.retries;
  hedges += later.hedges;
  rate_limited += later.rate_limited;
  failures += later.failures;
  cache_hits += later.cache_hits;
  cache_errors += later.cache_errors;
  tokens_in += later.tokens_in;
  tokens_out += later.tokens_out;
  estimated_usage += later.estimated_usage;
  cost += later.cost;
  for (const auto& [url, r] : later.replicas) {
    Replica& sum = replicas[url];
    sum.requests += r.requests;
    sum.failed += r.failed;
    sum.taken_out += r.taken_out;
  }
  return *this;
}

json to_json(const ProviderTotals& t) {
  json j = {{"model", t.model},
            {"role", provider_role_name(t.role)},
            {"calls", t.calls},
            {"requests", t.requests},
            {"retries", t.retries},
            {"hedges", t.hedges},
            {"rate_limited", t.rate_limited},
            {"failures", t.failures},
            {"cache_hits", t.cache_hits},
            {"cache_errors", t.cache_errors},
            {"tokens_in", t.tokens_in},
            {"tokens_out", t.tokens_out},
            {"estimated_usage", t.estimated_usage},
            {"cost", t.cost}};
  // Only a provider of several replicas has them.
  for (const auto& [url, r] : t.replicas) {
    j["replicas"][url] = {
        {"requests", r.requests}, {"failed", r.failed}, {"taken_out", r.taken_out}};
  }
  return j;
}

Result<ProviderTotals> provider_totals_from_json(const json& j, const std::string& record) {
  FieldReader r(j, record);
  ProviderTotals t;
  t.model = r.text("model");
  const std::string role = r.text("role");
  if (!r.failed()) {
    if (auto parsed = parse_provider_role(role)) {
      t.role = *parsed;
    } else {
      r.fail(fmt::format("field 'role' must be \"local\" or \"remote\", not \"{}\"", role));
    }
  }
  t.calls = r.count("calls");
  t.requests = r.count("requests");
  t.retries = r.count("retries");
  t.hedges = r.count("hedges");
  t.rate_limited = r.count("rate_limited");
  t.failures = r.count("failures");
  t.cache_hits = r.count("cache_hits");
  t.cache_errors = r.count("cache_errors");
  t.tokens_in = r.count("tokens_in");
  t.tokens_out = r.count("tokens_out");
  // Absent from records written before usage could be estimated.
  if (r.has("estimated_usage")) t.estimated_usage = r.count("estimated_usage");
  t.cost = r.number("cost");
  const json& replicas = r.has("replicas") ? r.object("replicas") : json::object();
  if (Status s = r.finish(); !s) return s.error();
  for (const auto& [url, value] : replicas.items()) {
    FieldReader replica(value, fmt::format("{}, replica '{}'", record, url));
    ProviderTotals::Replica& out = t.replicas[url];
    out.requests = replica.count("requests");
    out.failed = replica.count("failed");
    out.taken_out = replica.count("taken_out");
    if (Status s = replica.finish(); !s) return s.error();
  }
  return t;
}

json to_json(const SessionRecord& s) {
  json providers = json::object();
  for (const auto& [name, totals] : s.providers)
    providers[name] = to_json(totals);
  json j = {{"wall_seconds", s.wall_seconds},   {"cells_ok", s.cells_ok},
            {"cells_error", s.cells_error},     {"cells_not_run", s.cells_not_run},
            {"interrupted", s.interrupted},     {"ended", s.ended},
            {"providers", std::move(providers)}};
  if (!s.worker.empty()) {
    j["worker"] = s.worker;
    j["reclaimed"] = s.reclaimed;
    j["late_duplicates"] = s.late_duplicates;
  }
  return j;
}

Result<SessionRecord> session_from_json(const json& j, const std::string& record) {
  FieldReader r(j, record);
  SessionRecord s;
  s.wall_seconds = r.number("wall_seconds");
  s.cells_ok = r.count("cells_ok");
  s.cells_error = r.count("cells_error");
  s.cells_not_run = r.count("cells_not_run");
  s.interrupted = r.boolean("interrupted");
  // Absent from records written only when their session ended.
  if (r.has("ended")) s.ended = r.boolean("ended");
  // Only a worker's session has these.
  if (r.has("worker")) {
    s.worker = r.text("worker");
    s.reclaimed = r.count("reclaimed");
    s.late_duplicates = r.count("late_duplicates");
  }
  const json& providers = r.object("providers");
  if (Status done = r.finish(); !done) return done.error();
  for (const auto& [name, value] : providers.items()) {
    auto totals = provider_totals_from_json(value, fmt::format("{}, provider '{}'", record, name));
    if (!totals) return totals.error();
    s.providers.emplace(name, std::move(*totals));
  }
  return s;
}

json to_json(const RunRecord& run) {
  json j = {{"config", run.config},
            {"config_file", run.config_file},
            {"planned_cells", run.planned_cells},
            {"local", run.local_provider},
            {"remote", run.remote_provider}};
  if (run.secret_seed) j["secret_seed"] = *run.secret_seed;
  return j;
}

Result<RunRecord> run_from_json(const json& j, const std::string& record) {
  FieldReader r(j, record);
  RunRecord run;
  run.config = r.object("config");
  run.config_file = r.text("config_file");
  run.planned_cells = r.count("planned_cells");
  run.local_provider = r.text("local");
  run.remote_provider = r.text("remote");
  if (r.has("secret_seed")) run.secret_seed = r.whole("secret_seed");
  if (Status s = r.finish(); !s) return s.error();
  return run;
}

std::map<std::string, ProviderTotals> provider_totals(const std::vector<SessionRecord>& sessions) {
  std::map<std::string, ProviderTotals> out;
  for (const SessionRecord& s : sessions) {
    for (const auto& [name, totals] : s.providers)
      out[name] += totals;
  }
  return out;
}

}  // namespace privqa
