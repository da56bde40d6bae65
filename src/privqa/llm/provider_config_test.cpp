#include "privqa/llm/provider_config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "testing.h"

namespace privqa {
namespace {

Result<ProviderConfig> parse(const std::string& toml_text, const std::string& name = "p") {
  const toml::table document =
      toml::parse(std::string_view(toml_text), std::string_view("cfg.toml"));
  const toml::table* table = document["providers"][name].as_table();
  if (table == nullptr) return Error("test setup: no such table");
  return parse_provider_config(*table, name, "cfg.toml");
}

TEST(ParseProviderConfig, ReadsEveryField) {
  Result<ProviderConfig> c = parse(R"(
[providers.p]
base_url = "https://api.example.com/v1"
model = "m"
api_key_env = "EXAMPLE_KEY"
max_in_flight = 200
min_in_flight = 2
rpm = 500
tpm = 1_000_000
burst = 1.5
timeout = 30.5
max_attempts = 4
backoff = 0.25
backoff_cap = 8
hedge_after = 2
hedge_min_delay = 2.5
input_price_per_million = 0.27
output_price_per_million = 1.1
extra_body = { reasoning_effort = "low", nested = { k = [1, 2] } }
)");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->name, "p");
  EXPECT_EQ(c->base_url, "https://api.example.com/v1");
  EXPECT_EQ(c->model, "m");
  EXPECT_EQ(c->api_key_env, "EXAMPLE_KEY");
  EXPECT_EQ(c->max_in_flight, 200);
  EXPECT_EQ(c->min_in_flight, 2);
  EXPECT_EQ(c->rpm, 500);
  EXPECT_EQ(c->tpm, 1e6);
  EXPECT_EQ(c->burst_seconds, 1.5);
  EXPECT_EQ(c->timeout_seconds, 30.5);
  EXPECT_EQ(c->max_attempts, 4);
  EXPECT_EQ(c->backoff_seconds, 0.25);
  EXPECT_EQ(c->backoff_cap_seconds, 8);
  EXPECT_EQ(c->hedge_after, 2);
  EXPECT_EQ(c->hedge_min_delay_seconds, 2.5);
  EXPECT_EQ(c->input_price_per_million, 0.27);
  EXPECT_EQ(c->output_price_per_million, 1.1);
  EXPECT_EQ(c->extra_body,
            nlohmann::json::parse(R"({"reasoning_effort": "low", "nested": {"k": [1, 2]}})"));
  EXPECT_FALSE(c->allow_insecure_http);
  // 1M prompt tokens and 2M completion tokens at these prices.
  EXPECT_NEAR(c->cost(1'000'000, 2'000'000), 0.27 + 2.2, 1e-12);
}

TEST(ParseProviderConfig, PlainHttpOnlyToLoopbackUnlessAllowed) {
  for (const char* url : {"http://127.0.0.1:8000/v1", "http://localhost/v1", "http://[::1]:9/v1",
                          "http://127.1.2.3/v1"}) {
    EXPECT_TRUE(parse(fmt::format("[providers.p]\nbase_url = \"{}\"\nmodel = \"m\"\n", url)).ok())
        << url;
  }
  Result<ProviderConfig> remote =
      parse("[providers.p]\nmodel = \"m\"\nbase_url = \"http://api.example.com/v1\"\n");
  ASSERT_FALSE(remote.ok());
  EXPECT_NE(remote.error().message().find("cfg.toml:3: providers.p.base_url"), std::string::npos)
      << remote.error().message();
  EXPECT_NE(remote.error().message().find("https"), std::string::npos);
  // A host that merely starts with "127." or "localhost" is not loopback.
  EXPECT_FALSE(
      parse("[providers.p]\nmodel = \"m\"\nbase_url = \"http://127.0.0.1.evil.com/v1\"\n").ok());
  EXPECT_FALSE(
      parse("[providers.p]\nmodel = \"m\"\nbase_url = \"http://localhost.evil/v1\"\n").ok());
  EXPECT_TRUE(parse("[providers.p]\nmodel = \"m\"\nbase_url = \"http://api.example.com/v1\"\n"
                    "allow_insecure_http = true\n")
                  .ok());
  EXPECT_FALSE(parse("[providers.p]\nmodel = \"m\"\nbase_url = \"ftp://example.com/\"\n").ok());
}

TEST(ParseProviderConfig, ErrorsNameTheKeyAndItsLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"[providers.p]\nbase_url = \"https://a/v1\"\nmodel = \"m\"\nrmp = 5\n",
       "cfg.toml:4: providers.p.rmp: unknown key"},
      {"[providers.p]\nbase_url = \"https://a/v1\"\nmodel = \"m\"\nmax_in_flight = \"many\"\n",
       "cfg.toml:4: providers.p.max_in_flight: must be an integer"},
      {"[providers.p]\nbase_url = \"https://a/v1\"\nmodel = \"m\"\nrpm = -1\n",
       "cfg.toml:4: providers.p.rpm: must be >= 0"},
      {"[providers.p]\nbase_url = \"https://a/v1\"\nmodel = \"m\"\nburst = 0\n",
       "cfg.toml:4: providers.p.burst: must be a number of seconds > 0 and at most 60"},
      {"[providers.p]\nbase_url = \"https://a/v1\"\nmodel = \"m\"\n\ntimeout = 0\n",
       "cfg.toml:5: providers.p.timeout: must be > 0"},
      {"[providers.p]\nbase_url = \"https://a/v1\"\nmodel = \"m\"\nmax_attempts = 0\n",
       "cfg.toml:4: providers.p.max_attempts"},
      {"[providers.p]\nbase_url = \"https://a/v1\"\nmodel = \"m\"\nbackoff = 0\n",
       "cfg.toml:4: providers.p.backoff: must be a finite number of seconds > 0"},
      {"[providers.p]\nbase_url = \"https://a/v1\"\nmodel = \"m\"\nbackoff = 2\nbackoff_cap = 1\n",
       "cfg.toml:5: providers.p.backoff_cap: must be a finite number of seconds, at least backoff"},
      {"[providers.p]\nbase_url = \"https://a/v1\"\nmodel = \"m\"\nhedge_after = 0.5\n",
       "cfg.toml:4: providers.p.hedge_after: must be 0 (never hedge) or a finite number at least "
       "1"},
      {"[providers.p]\nbase_url = \"https://a/v1\"\nmodel = \"m\"\nhedge_min_delay = -1\n",
       "cfg.toml:4: providers.p.hedge_min_delay: must be a finite number of seconds >= 0"},
      {"[providers.p]\nbase_url = \"https://a/v1\"\nmodel = \"m\"\nallow_insecure_http = 1\n",
       "cfg.toml:4: providers.p.allow_insecure_http: must be true or false"},
      {"[providers.p]\nbase_url = \"https://a/v1\"\nmodel = \"m\"\nextra_body = 3\n",
       "cfg.toml:4: providers.p.extra_body: must be a table"},
      {"\n[providers.p]\nmodel = \"m\"\n", "cfg.toml:2: providers.p: missing key 'base_url'"},
      {"[providers.p]\nbase_url = \"https://a/v1\"\nmodel = \"m\"\nbase_urls = "
       "[\"https://b/v1\"]\n",
       "cfg.toml:4: providers.p: give base_url or base_urls, not both"},
      {"[providers.p]\nmodel = \"m\"\nbase_urls = []\n",
       "cfg.toml:3: providers.p.base_urls: must be a non-empty list"},
      {"[providers.p]\nmodel = \"m\"\nbase_urls = [\"https://a/v1\", 3]\n",
       "cfg.toml:3: providers.p.base_urls: each entry must be a URL"},
      {"[providers.p]\nmodel = \"m\"\nbase_urls = [\"https://a/v1\", \"http://10.0.0.1/v1\"]\n",
       "cfg.toml:3: providers.p.base_urls: 'http://10.0.0.1/v1' is plain http"},
      {"[providers.p]\nmodel = \"m\"\nbase_urls = [{ url = \"https://a/v1\", max_in_flight = 0 "
       "}]\n",
       "cfg.toml:3: providers.p.base_urls[1].max_in_flight"},
      {"[providers.p]\nmodel = \"m\"\nbase_urls = [{ url = \"https://a/v1\", weight = 2 }]\n",
       "cfg.toml:3: providers.p.base_urls[1]"},
      {"[providers.p]\nmodel = \"m\"\nbase_urls = [{ max_in_flight = 2 }]\n",
       "cfg.toml:3: providers.p.base_urls: a replica table needs its url"},
  };
  for (const auto& [text, expected] : cases) {
    Result<ProviderConfig> c = parse(text);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.error().message().find(expected), std::string::npos) << c.error().message();
  }
}

TEST(ParseProviderConfig, BaseUrlsListReplicasWithTheirOwnCeilings) {
  ASSERT_EQ(setenv("PRIVQA_TEST_REPLICA", "http://127.0.0.1:2/v1", 1), 0);
  Result<ProviderConfig> c = parse(
      "[providers.p]\nmodel = \"m\"\nbase_urls = [\"http://127.0.0.1:1/v1\", "
      "{ url = \"${PRIVQA_TEST_REPLICA}\", max_in_flight = 8 }]\n");
  unsetenv("PRIVQA_TEST_REPLICA");
  ASSERT_TRUE(c.ok()) << c.error().message();
  ASSERT_EQ(c->replicas.size(), 2u);
  EXPECT_EQ(c->replicas[0].base_url, "http://127.0.0.1:1/v1");
  EXPECT_EQ(c->replicas[0].max_in_flight, 0);  // the provider's
  EXPECT_EQ(c->replicas[1].base_url, "http://127.0.0.1:2/v1");
  EXPECT_EQ(c->replicas[1].max_in_flight, 8);
  // The first replica's URL keys the cache, so the replicas share answers.
  EXPECT_EQ(c->base_url, "http://127.0.0.1:1/v1");
}

TEST(ParseProviderConfig, BaseUrlReadsEnvironmentVariables) {
  ASSERT_EQ(setenv("PRIVQA_TEST_SIM_URL", "http://127.0.0.1:4321/v1", 1), 0);
  Result<ProviderConfig> c =
      parse("[providers.p]\nbase_url = \"${PRIVQA_TEST_SIM_URL}\"\nmodel = \"m\"\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->base_url, "http://127.0.0.1:4321/v1");
  unsetenv("PRIVQA_TEST_SIM_URL");
  Result<ProviderConfig> unset =
      parse("[providers.p]\nbase_url = \"${PRIVQA_TEST_SIM_URL}\"\nmodel = \"m\"\n");
  ASSERT_FALSE(unset.ok());
  EXPECT_NE(unset.error().message().find(
                "cfg.toml:2: providers.p.base_url: environment variable PRIVQA_TEST_SIM_URL is "
                "not set"),
            std::string::npos)
      << unset.error().message();
}

TEST(LoadProviderConfig, FindsTheNamedProviderOrSaysWhichExist) {
  testing::TempDir dir;
  testing::write_text(dir / "c.toml", R"(
[providers.local]
base_url = "http://127.0.0.1:1/v1"
model = "sim-local"

[providers.remote]
base_url = "https://api.example.com/v1/"
model = "big"
api_key_env = "REMOTE_KEY"
)");
  Result<ProviderConfig> remote = load_provider_config(dir / "c.toml", "remote");
  ASSERT_TRUE(remote.ok()) << remote.error().message();
  EXPECT_EQ(remote->model, "big");
  Result<ProviderConfig> missing = load_provider_config(dir / "c.toml", "other");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("configured: local, remote"), std::string::npos)
      << missing.error().message();

  testing::write_text(dir / "bad.toml", "[providers.x]\nmodel = \n");
  Result<ProviderConfig> bad = load_provider_config(dir / "bad.toml", "x");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("bad.toml:2:"), std::string::npos) << bad.error().message();
  EXPECT_FALSE(load_provider_config(dir / "absent.toml", "x").ok());
}

}  // namespace
}  // namespace privqa
