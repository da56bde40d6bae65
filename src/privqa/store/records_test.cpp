// The JSON form of each store record: round trips, and strict reading.
#include "privqa/store/records.h"

#include <gtest/gtest.h>

namespace privqa {
namespace {

using nlohmann::json;

// Every field a different value, so a field read into another shows.
ProviderTotals remote_totals() {
  return {.model = "deepseek-chat",
          .role = ProviderRole::kRemote,
          .calls = 1,
          .requests = 2,
          .retries = 3,
          .hedges = 4,
          .rate_limited = 5,
          .failures = 6,
          .cache_hits = 7,
          .cache_errors = 8,
          .tokens_in = 9,
          .tokens_out = 10,
          .cost = 0.25,
          .replicas = {{"http://a/v1", {.requests = 11, .failed = 12, .taken_out = 13}},
                       {"http://b/v1", {.requests = 14}}}};
}

SessionRecord session() {
  SessionRecord s;
  s.wall_seconds = 12.5;
  s.cells_ok = 40;
  s.cells_error = 2;
  s.cells_not_run = 3;
  s.interrupted = true;
  s.providers["remote"] = remote_totals();
  s.providers["local"] = {.model = "llama", .role = ProviderRole::kLocal, .calls = 11};
  return s;
}

void expect_same(const ProviderTotals& a, const ProviderTotals& b) {
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.role, b.role);
  EXPECT_EQ(a.calls, b.calls);
  EXPECT_EQ(a.requests, b.requests);
  EXPECT_EQ(a.retries, b.retries);
  EXPECT_EQ(a.hedges, b.hedges);
  EXPECT_EQ(a.rate_limited, b.rate_limited);
  EXPECT_EQ(a.failures, b.failures);
  EXPECT_EQ(a.cache_hits, b.cache_hits);
  EXPECT_EQ(a.cache_errors, b.cache_errors);
  EXPECT_EQ(a.tokens_in, b.tokens_in);
  EXPECT_EQ(a.tokens_out, b.tokens_out);
  EXPECT_DOUBLE_EQ(a.cost, b.cost);
  ASSERT_EQ(a.replicas.size(), b.replicas.size());
  for (const auto& [url, r] : a.replicas) {
    ASSERT_EQ(b.replicas.count(url), 1u) << url;
    EXPECT_EQ(r.requests, b.replicas.at(url).requests);
    EXPECT_EQ(r.failed, b.replicas.at(url).failed);
    EXPECT_EQ(r.taken_out, b.replicas.at(url).taken_out);
  }
}

TEST(StoreRecords, ProviderTotalsRoundTrip) {
  auto back = provider_totals_from_json(to_json(remote_totals()), "p");
  ASSERT_TRUE(back.ok()) << back.error().message();
  expect_same(*back, remote_totals());
}

TEST(StoreRecords, SessionRoundTrip) {
  const SessionRecord s = session();
  // Through text, as the store keeps it.
  auto back = session_from_json(json::parse(to_json(s).dump()), "session 1");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_DOUBLE_EQ(back->wall_seconds, 12.5);
  EXPECT_EQ(back->cells_ok, 40);
  EXPECT_EQ(back->cells_error, 2);
  EXPECT_EQ(back->cells_not_run, 3);
  EXPECT_TRUE(back->interrupted);
  EXPECT_EQ(back->worker, "");
  ASSERT_EQ(back->providers.size(), 2u);
  expect_same(back->providers.at("remote"), remote_totals());
  expect_same(back->providers.at("local"), s.providers.at("local"));
}

TEST(StoreRecords, AWorkersSessionKeepsItsIdAndCounts) {
  SessionRecord s = session();
  s.worker = "node7:4242:0badcafe";
  s.reclaimed = 5;
  s.late_duplicates = 2;
  auto back = session_from_json(json::parse(to_json(s).dump()), "session 1");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->worker, "node7:4242:0badcafe");
  EXPECT_EQ(back->reclaimed, 5);
  EXPECT_EQ(back->late_duplicates, 2);
  // A worker's record without its counts is damaged, and says which.
  json damaged = to_json(s);
  damaged.erase("reclaimed");
  auto refused = session_from_json(damaged, "session 3");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("session 3"), std::string::npos);
  EXPECT_NE(refused.error().message().find("reclaimed"), std::string::npos);
  // A replica's counts are read as strictly as the provider's.
  json bad_replica = to_json(s);
  bad_replica["providers"]["remote"]["replicas"]["http://a/v1"]["requests"] = "many";
  auto mistyped = session_from_json(bad_replica, "session 4");
  ASSERT_FALSE(mistyped.ok());
  EXPECT_NE(mistyped.error().message().find("replica 'http://a/v1'"), std::string::npos)
      << mistyped.error().message();
}

TEST(StoreRecords, RunRoundTripLeavesFingerprintAndDateToTheStore) {
  RunRecord run;
  run.fingerprint = "f00d";
  run.created_at = "2024-01-02T03:04:05Z";
  run.config = json{{"seed", 7}, {"dataset", {{"path", "dev.json"}}}};
  run.config_file = "examples/x.toml";
  run.planned_cells = 1234;
  run.local_provider = "local";
  run.remote_provider = "";
  const json j = to_json(run);
  EXPECT_FALSE(j.contains("fingerprint"));
  EXPECT_FALSE(j.contains("created_at"));
  auto back = run_from_json(json::parse(j.dump()), "run");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->config, run.config);
  EXPECT_EQ(back->config_file, "examples/x.toml");
  EXPECT_EQ(back->planned_cells, 1234);
  EXPECT_EQ(back->local_provider, "local");
  EXPECT_EQ(back->remote_provider, "");
  EXPECT_EQ(back->fingerprint, "");
  EXPECT_FALSE(back->secret_seed.has_value());
}

// Session records written before sessions were rewritten as they ran, and
// before usage could be estimated, read as ended and with none estimated.
TEST(StoreRecords, FieldsNewerThanARecordTakeTheirOldMeaning) {
  SessionRecord s;
  s.ended = false;
  s.providers["remote"] = {.model = "m", .role = ProviderRole::kRemote, .estimated_usage = 4};
  const json written = to_json(s);
  auto back = session_from_json(written, "session 1");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_FALSE(back->ended);
  EXPECT_EQ(back->providers.at("remote").estimated_usage, 4);
  json old = written;
  old.erase("ended");
  old["providers"]["remote"].erase("estimated_usage");
  auto old_back = session_from_json(old, "session 1");
  ASSERT_TRUE(old_back.ok()) << old_back.error().message();
  EXPECT_TRUE(old_back->ended);
  EXPECT_EQ(old_back->providers.at("remote").estimated_usage, 0);
}

// A seed drawn from the OS uses all 64 bits: one above INT64_MAX survives.
TEST(StoreRecords, ASecretSeedOfAnySizeRoundTrips) {
  RunRecord run;
  run.secret_seed = 0xfedcba9876543210;
  auto back = run_from_json(json::parse(to_json(run).dump()), "run");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->secret_seed, std::optional<uint64_t>(0xfedcba9876543210));
  json negative = to_json(run);
  negative["secret_seed"] = -1;
  auto refused = run_from_json(negative, "run record");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(), "run record: field 'secret_seed' must be 0 or more, not -1");
}

// The message of reading `j` as a session, which must fail.
std::string session_error(const json& j) {
  auto s = session_from_json(j, "session 3");
  EXPECT_FALSE(s.ok());
  return s.ok() ? "" : s.error().message();
}

TEST(StoreRecords, MissingFieldIsNamed) {
  json j = to_json(session());
  j.erase("cells_error");
  EXPECT_EQ(session_error(j), "session 3: field 'cells_error' is missing");

  json k = to_json(session());
  k["providers"]["remote"].erase("hedges");
  EXPECT_EQ(session_error(k), "session 3, provider 'remote': field 'hedges' is missing");
}

TEST(StoreRecords, MisspeltFieldIsNamed) {
  json j = to_json(session());
  j["providers"]["remote"]["hegdes"] = j["providers"]["remote"]["hedges"];
  j["providers"]["remote"].erase("hedges");
  EXPECT_EQ(session_error(j), "session 3, provider 'remote': field 'hedges' is missing");

  // An extra field next to the right one is named too.
  json k = to_json(session());
  k["wall_secs"] = 1.0;
  EXPECT_EQ(session_error(k), "session 3: unknown field 'wall_secs'");
}

TEST(StoreRecords, MistypedFieldIsNamed) {
  json j = to_json(session());
  j["cells_ok"] = "40";
  EXPECT_EQ(session_error(j), "session 3: field 'cells_ok' must be an integer, not string");

  json k = to_json(session());
  k["providers"]["local"]["cost"] = nullptr;
  EXPECT_EQ(session_error(k),
            "session 3, provider 'local': field 'cost' must be a number, not null");

  json l = to_json(session());
  l["providers"]["local"]["role"] = "remote-ish";
  EXPECT_EQ(session_error(l),
            "session 3, provider 'local': field 'role' must be \"local\" or \"remote\", not "
            "\"remote-ish\"");

  json m = to_json(session());
  m["cells_not_run"] = -1;
  EXPECT_EQ(session_error(m),
            "session 3: field 'cells_not_run' must be a count (0 or more), not -1");

  EXPECT_EQ(session_error(json::array()), "session 3: is not a JSON object but array");
}

TEST(StoreRecords, RunRecordFieldsAreChecked) {
  RunRecord run;
  json j = to_json(run);
  j.erase("planned_cells");
  auto missing = run_from_json(j, "run record");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "run record: field 'planned_cells' is missing");
  json k = to_json(run);
  k["config"] = "{}";
  auto mistyped = run_from_json(k, "run record");
  ASSERT_FALSE(mistyped.ok());
  EXPECT_EQ(mistyped.error().message(),
            "run record: field 'config' must be a JSON object, not string");
}

TEST(StoreRecords, ProviderTotalsAddUpOverSessions) {
  SessionRecord a = session();
  SessionRecord b;
  b.providers["remote"] = {.model = "deepseek-v3",
                           .role = ProviderRole::kRemote,
                           .hedges = 6,
                           .cost = 0.5,
                           .replicas = {{"http://b/v1", {.requests = 6, .failed = 1}}}};
  const auto totals = provider_totals({a, b});
  ASSERT_EQ(totals.size(), 2u);
  const ProviderTotals& r = totals.at("remote");
  EXPECT_EQ(r.hedges, 10);
  EXPECT_EQ(r.requests, 2);
  EXPECT_DOUBLE_EQ(r.cost, 0.75);
  EXPECT_EQ(r.model, "deepseek-v3") << "the later session's model";
  EXPECT_EQ(r.replicas.at("http://a/v1").requests, 11);
  EXPECT_EQ(r.replicas.at("http://b/v1").requests, 20);
  EXPECT_EQ(r.replicas.at("http://b/v1").failed, 1);
  EXPECT_EQ(totals.at("local").calls, 11);
}

}  // namespace
}  // namespace privqa
