#include "privqa/exp/run_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "privqa/exp/plan.h"
#include "testing.h"

namespace privqa {
namespace {

using testing::TempDir;
using testing::write_text;

const char* kMinimal = R"([dataset]
path = "q.jsonl"

[experiment]
output = "out/run.db"
local = "l"
remote = "r"

[providers.l]
base_url = "http://127.0.0.1:9/v1"
model = "small"

[providers.r]
base_url = "https://api.example.com/v1"
model = "big"
api_key_env = "EXAMPLE_KEY"
)";

Result<RunConfig> load(const TempDir& dir, const std::string& text) {
  write_text(dir / "run.toml", text);
  return load_run_config(dir / "run.toml");
}

TEST(RunConfig, DefaultsFollowTheOriginalStudy) {
  TempDir dir;
  auto c = load(dir, kMinimal);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->dataset.path, dir.path() / "q.jsonl") << "paths are relative to the config file";
  EXPECT_EQ(c->output, (dir.path() / "out/run.db").string());
  EXPECT_EQ(c->epsilons, (std::vector<double>{1, 2, 3}));
  ASSERT_EQ(c->mechanisms.size(), 3u);
  EXPECT_EQ(c->mechanisms[0].name, "phrasedp");
  EXPECT_EQ(c->mechanisms[1].name, "inferdpt");
  EXPECT_EQ(c->mechanisms[2].name, "santext+");
  EXPECT_EQ(c->scenarios.size(), 4u);
  EXPECT_FALSE(c->include_options_remote) << "options stay local by default";
  EXPECT_EQ(c->provider("r")->api_key_env, "EXAMPLE_KEY");
  EXPECT_TRUE(c->seed_from_os) << "a seed is a secret key: from the OS unless fixed";
}

// A fixed seed is part of the identity; a seed from the OS is recorded only
// as drawn ("os"), its value staying out of the config and fingerprint.
TEST(RunConfig, AFixedSeedIsPartOfTheIdentityAnOsSeedOnlyAsDrawn) {
  TempDir dir;
  std::string seven = kMinimal;
  seven.replace(seven.find("local = "), 0, "seed = 7\n");
  auto fixed = load(dir, seven);
  ASSERT_TRUE(fixed.ok()) << fixed.error().message();
  EXPECT_FALSE(fixed->seed_from_os);
  EXPECT_EQ(fixed->seed, 7u);
  EXPECT_EQ(nlohmann::json::parse(results_identity_json(*fixed))["seed"], 7);
  auto drawn = load(dir, kMinimal);
  ASSERT_TRUE(drawn.ok());
  EXPECT_EQ(nlohmann::json::parse(results_identity_json(*drawn))["seed"], "os");
  const std::string before = fingerprint(*drawn);
  drawn->seed = 123456789;  // what prepare() sets once the store has the seed
  EXPECT_EQ(fingerprint(*drawn), before);
  EXPECT_NE(fingerprint(*fixed), before);
}

TEST(RunConfig, UnknownKeysNameTheirLine) {
  TempDir dir;
  std::string text = kMinimal;
  text.replace(text.find("local = \"l\""), 0, "colour = \"red\"\n");
  auto c = load(dir, text);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("run.toml:6: experiment.colour: unknown key"),
            std::string::npos)
      << c.error().message();

  auto section = load(dir, std::string(kMinimal) + "\n[extras]\nx = 1\n");
  ASSERT_FALSE(section.ok());
  EXPECT_NE(section.error().message().find("unknown section or key 'extras'"), std::string::npos);
}

TEST(RunConfig, BadValuesNameKeyAndLine) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"epsilons = [1.0, -2.0]", "every eps must be a finite number > 0"},
      {"scenarios = [\"S9\"]", "unknown scenario 'S9'"},
      {"repeats = 0", "repeats: must be between 1 and 1000"},
      {"cache = \"sometimes\"", "cache: must be use, refresh or bypass"},
      {"window = \"wide\"", "window: must be an integer"},
      {"epsilons = [1.0, 2.0, 1.0]", "epsilons: eps 1 is listed twice"},
      {"mechanisms = [\"inferdpt\", \"santext+\", \"inferdpt\"]",
       "mechanisms: 'inferdpt' is listed twice"},
  };
  for (const auto& [line, message] : cases) {
    std::string text = kMinimal;
    text.replace(text.find("local = \"l\""), 0, line + "\n");
    auto c = load(dir, text);
    ASSERT_FALSE(c.ok()) << line;
    EXPECT_NE(c.error().message().find("run.toml:6:"), std::string::npos) << c.error().message();
    EXPECT_NE(c.error().message().find(message), std::string::npos) << c.error().message();
  }
}

// A database URL is taken as written; one holding a password is refused,
// naming the file, the line and the field, without repeating the secret.
TEST(RunConfig, OutputMayBeADatabaseUrlWithoutAPassword) {
  TempDir dir;
  std::string text = kMinimal;
  const std::string url = "postgresql://alice@db.example:5433/runs?schema=exp_1";
  text.replace(text.find("out/run.db"), std::strlen("out/run.db"), url);
  auto c = load(dir, text);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->output, url);

  text = kMinimal;
  text.replace(text.find("out/run.db"), std::strlen("out/run.db"),
               "postgresql://alice:s3cret@db.example/runs");
  auto refused = load(dir, text);
  ASSERT_FALSE(refused.ok());
  const std::string& m = refused.error().message();
  EXPECT_EQ(m.rfind((dir / "run.toml").string() + ":5: experiment.output: ", 0), 0u) << m;
  EXPECT_NE(m.find("PGPASSWORD"), std::string::npos) << m;
  EXPECT_EQ(m.find("s3cret"), std::string::npos) << m;
}

TEST(RunConfig, TheRemoteModelMustNotBeTheLocalOne) {
  TempDir dir;
  std::string text = kMinimal;
  text.replace(text.find("remote = \"r\""), 12, "remote = \"l\"");
  auto c = load(dir, text);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("run.toml:7: experiment.remote: must name another provider "
                                     "than local"),
            std::string::npos)
      << c.error().message();
}

TEST(RunConfig, OnlyTheModelsTheScenariosCallNeedAProvider) {
  TempDir dir;
  std::string text = kMinimal;
  text.replace(text.find("remote = \"r\""), 12,
               "remote = \"nobody\"\nscenarios = [\"S1\", \"S5\"]");
  auto local_only = load(dir, text);
  EXPECT_TRUE(local_only.ok()) << local_only.error().message();

  text = kMinimal;
  text.replace(text.find("local = \"l\""), 11, "local = \"nobody\"\nscenarios = [\"S4\"]");
  auto remote_only = load(dir, text);
  EXPECT_TRUE(remote_only.ok()) << remote_only.error().message();

  text.replace(text.find("[\"S4\"]"), 6, "[\"S4\", \"S3\"]");
  auto private_cot = load(dir, text);
  ASSERT_FALSE(private_cot.ok()) << "S3's answer is local";
  EXPECT_NE(private_cot.error().message().find("local = 'nobody' names no [providers.NAME]"),
            std::string::npos)
      << private_cot.error().message();
}

TEST(RunConfig, ProvidersMustExistAndUrlsFollowTheRules) {
  TempDir dir;
  std::string text = kMinimal;
  text.replace(text.find("remote = \"r\""), 12, "remote = \"nobody\"");
  auto c = load(dir, text);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("remote = 'nobody' names no [providers.NAME]"),
            std::string::npos);

  text = kMinimal;
  text.replace(text.find("https://api.example.com"), 23, "http://api.example.com");
  auto insecure = load(dir, text);
  ASSERT_FALSE(insecure.ok()) << "plain http to a remote host is refused";
}

TEST(RunConfig, EnvironmentVariablesInUrls) {
  TempDir dir;
  std::string text = kMinimal;
  text.replace(text.find("http://127.0.0.1:9/v1"), 21, "${PRIVQA_TEST_URL}");
  unsetenv("PRIVQA_TEST_URL");
  auto missing = load(dir, text);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("environment variable PRIVQA_TEST_URL is not set"),
            std::string::npos);
  setenv("PRIVQA_TEST_URL", "http://127.0.0.1:4242/v1", 1);
  auto set = load(dir, text);
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(set->provider("l")->base_url, "http://127.0.0.1:4242/v1");
  unsetenv("PRIVQA_TEST_URL");
}

TEST(RunConfig, MechanismParametersAndPrompts) {
  TempDir dir;
  auto c = load(dir, std::string(kMinimal) +
                         "\n[mechanism.\"santext+\"]\nsensitive_ratio = 0.5\np = 0.2\n"
                         "\n[prompts]\ncot = \"Explain: {question}\"\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->mechanisms[2].params.at("sensitive_ratio"), "0.5");
  // Errors about a mechanism point at its table, or at [experiment] (line 4)
  // when it has none and the default list names it.
  const std::string file = (dir / "run.toml").string();
  const auto minimal_lines = std::count(kMinimal, kMinimal + std::strlen(kMinimal), '\n');
  EXPECT_EQ(c->mechanisms[2].where, file + ":" + std::to_string(minimal_lines + 2));
  EXPECT_EQ(c->mechanisms[0].where, file + ":4");
  EXPECT_EQ(c->prompts.cot, "Explain: {question}");

  auto bad = load(dir, std::string(kMinimal) + "\n[prompts]\ncot = \"Explain: {options}\"\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("unknown placeholder {options}"), std::string::npos)
      << bad.error().message();
}

// A second PhraseDP under another encoder, beside the first: its own label
// (the cells' mechanism), kind and parameters; its encoder's model is part of
// the identity, as the chat models are.
TEST(RunConfig, AMechanismLabelNamesAnInstanceOfAKind) {
  TempDir dir;
  std::string text = kMinimal;
  text.replace(text.find("local = \"l\""), 0, "mechanisms = [\"phrasedp\", \"phrasedp-minilm\"]\n");
  text +=
      "\n[providers.e]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"minilm\"\n"
      "\n[mechanism.phrasedp-minilm]\nmechanism = \"phrasedp\"\nencoder = \"e\"\n";
  auto c = load(dir, text);
  ASSERT_TRUE(c.ok()) << c.error().message();
  ASSERT_EQ(c->mechanisms.size(), 2u);
  EXPECT_EQ(c->mechanisms[0].kind, "phrasedp");
  EXPECT_EQ(c->mechanisms[1].name, "phrasedp-minilm");
  EXPECT_EQ(c->mechanisms[1].kind, "phrasedp");
  EXPECT_EQ(c->mechanisms[1].params, (std::map<std::string, std::string>{{"encoder", "e"}}));
  EXPECT_EQ(c->mechanism("phrasedp-minilm"), &c->mechanisms[1]);
  EXPECT_EQ(c->mechanism("santext+"), nullptr);

  const auto identity = nlohmann::json::parse(results_identity_json(*c));
  EXPECT_FALSE(identity["mechanisms"][0].contains("kind")) << "a plain mechanism's entry as before";
  EXPECT_EQ(identity["mechanisms"][1]["kind"], "phrasedp");
  EXPECT_EQ(identity["encoders"]["e"]["model"], "minilm");
  std::string other_encoder = text;
  other_encoder.replace(other_encoder.find("\"minilm\""), 8, "\"mpnet\"");
  auto d = load(dir, other_encoder);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_NE(fingerprint(*c), fingerprint(*d));

  // The candidates are requested once per question for both; each provider
  // encoder adds one request per question.
  Question q;
  q.id = "q1";
  q.text = "Which nerve supplies the deltoid?";
  const PlanEstimate e = estimate_plan({q}, *c);
  EXPECT_EQ(e.providers.at("l").requests, 1 + 1 + 6 + 1);
  EXPECT_EQ(e.providers.at("e").requests, 1);

  auto bad = load(dir, text + "\n[mechanism.phrasedp]\nmechanism = 3\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("[mechanism.phrasedp] mechanism: expected the name"),
            std::string::npos)
      << bad.error().message();
}

// A split as a file of ids; the mapping and leniency are part of the
// identity, so every later command reads the file as the run did.
TEST(RunConfig, DatasetSplitsMappingAndLeniencyAreRecorded) {
  TempDir dir;
  write_text(dir / "split.txt", "# dev split\nq7\n\n  q3  \n");
  std::string text = kMinimal;
  text.replace(text.find("\n[experiment]"), 0,
               "ids_file = \"split.txt\"\nformat = \"jsonl\"\n"
               "map = \"question=q,choices=yes|no|maybe,answer=a,answer_encoding=option_text\"\n"
               "skip_bad_records = true\n");
  auto c = load(dir, text);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->dataset.filter.ids, (std::vector<std::string>{"q7", "q3"}));
  EXPECT_EQ(c->dataset.load.mapping.choices, (std::vector<std::string>{"yes", "no", "maybe"}));
  const auto identity = nlohmann::json::parse(results_identity_json(*c));
  EXPECT_EQ(identity["dataset"]["ids"], nlohmann::json({"q7", "q3"}));
  EXPECT_EQ(identity["dataset"]["map"],
            "question=q,choices=yes|no|maybe,answer=a,answer_encoding=option_text");
  EXPECT_EQ(identity["dataset"]["skip_bad_records"], true);
  auto plain = load(dir, kMinimal);
  ASSERT_TRUE(plain.ok());
  const auto plain_identity = nlohmann::json::parse(results_identity_json(*plain));
  EXPECT_FALSE(plain_identity["dataset"].contains("map")) << "unchanged without a mapping";
  EXPECT_FALSE(plain_identity["dataset"].contains("skip_bad_records"));

  std::string both = text;
  both.replace(both.find("ids_file"), 0, "ids = [\"q1\"]\n");
  auto refused = load(dir, both);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("give ids or ids_file, not both"), std::string::npos)
      << refused.error().message();
  write_text(dir / "split.txt", "# nothing yet\n");
  auto empty = load(dir, text);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message().find("split.txt: no question ids in the file"),
            std::string::npos)
      << empty.error().message();
}

// Passages stay local unless remote_context shows them, for all remote
// scenarios or by scenario; the policy joins the identity only with passages.
TEST(RunConfig, RemoteContextPolicyByScenario) {
  TempDir dir;
  std::string text = kMinimal;
  text.replace(text.find("\n[experiment]"), 0,
               "format = \"jsonl\"\n"
               "map = \"question=q,context=ctx,choices=yes|no,answer=a,"
               "answer_encoding=option_text\"\n");
  auto local = load(dir, text);
  ASSERT_TRUE(local.ok()) << local.error().message();
  EXPECT_TRUE(local->has_passages());
  for (Scenario s : {Scenario::kRemoteCot, Scenario::kPrivateCot, Scenario::kRemote}) {
    EXPECT_FALSE(local->remote_sees_context(s)) << "local by default: " << scenario_id(s);
  }
  EXPECT_NE(local->prompts.answer.find("{context}"), std::string::npos)
      << "the default prompts carry the passage";
  EXPECT_EQ(nlohmann::json::parse(results_identity_json(*local))["remote_context"],
            nlohmann::json::array());

  std::string all = text;
  all.replace(all.find("local = \"l\""), 0, "remote_context = \"shown\"\n");
  auto shown = load(dir, all);
  ASSERT_TRUE(shown.ok()) << shown.error().message();
  EXPECT_TRUE(shown->remote_sees_context(Scenario::kRemoteCot));
  EXPECT_TRUE(shown->remote_sees_context(Scenario::kPrivateCot));
  EXPECT_TRUE(shown->remote_sees_context(Scenario::kRemote));
  EXPECT_NE(fingerprint(*shown), fingerprint(*local));

  std::string some = text;
  some.replace(some.find("local = \"l\""), 0,
               "remote_context = { S2 = \"shown\", private_cot = \"local\" }\n");
  auto by_scenario = load(dir, some);
  ASSERT_TRUE(by_scenario.ok()) << by_scenario.error().message();
  EXPECT_TRUE(by_scenario->remote_sees_context(Scenario::kRemoteCot));
  EXPECT_FALSE(by_scenario->remote_sees_context(Scenario::kPrivateCot));
  EXPECT_FALSE(by_scenario->remote_sees_context(Scenario::kRemote)) << "unnamed: local";
  EXPECT_EQ(nlohmann::json::parse(results_identity_json(*by_scenario))["remote_context"],
            nlohmann::json({"S2"}));

  for (const char* bad :
       {"remote_context = \"sanitized\"\n", "remote_context = { S1 = \"shown\" }\n",
        "remote_context = { S3 = true }\n"}) {
    std::string wrong = text;
    wrong.replace(wrong.find("local = \"l\""), 0, bad);
    auto refused = load(dir, wrong);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().message().find("run.toml:8: experiment.remote_context: "),
              std::string::npos)
        << refused.error().message();
  }

  auto plain = load(dir, kMinimal);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->has_passages());
  EXPECT_EQ(plain->prompts.answer, default_prompts().answer);
  EXPECT_FALSE(nlohmann::json::parse(results_identity_json(*plain)).contains("remote_context"))
      << "unchanged without passages";
}

TEST(RunConfig, FingerprintIgnoresLimitsButNotModels) {
  TempDir dir;
  auto a = load(dir, kMinimal);
  ASSERT_TRUE(a.ok());
  std::string faster = kMinimal;
  faster += "max_in_flight = 999\n";
  auto b = load(dir, faster);
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(fingerprint(*a), fingerprint(*b));
  std::string other_model = kMinimal;
  other_model.replace(other_model.find("\"big\""), 5, "\"bigger\"");
  auto c = load(dir, other_model);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(fingerprint(*a), fingerprint(*c));
}

// A1 and A2 are scenarios like the others; their prompts join the run's
// identity only when one of them is configured, so a run without them keeps
// its fingerprint.
TEST(RunConfig, AttackScenariosAndTheirPrompts) {
  TempDir dir;
  auto plain = load(dir, kMinimal);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(nlohmann::json::parse(results_identity_json(*plain)).contains("attack_prompts"));
  std::string text = kMinimal;
  text.replace(text.find("local = \"l\""), 0,
               "scenarios = [\"S3\", \"A1\", \"reconstruct_answer\"]\n");
  auto attack = load(dir, text);
  ASSERT_TRUE(attack.ok()) << attack.error().message();
  EXPECT_EQ(attack->scenarios, (std::vector<Scenario>{Scenario::kPrivateCot, Scenario::kReconstruct,
                                                      Scenario::kReconstructAnswer}));
  EXPECT_EQ(attack->prompts.reconstruct, default_prompts().reconstruct);
  const auto identity = nlohmann::json::parse(results_identity_json(*attack));
  ASSERT_TRUE(identity.contains("attack_prompts"));
  EXPECT_EQ(identity["attack_prompts"][0], default_prompts().reconstruct);

  auto custom = load(dir, text + "\n[prompts]\nreconstruct = \"Undo: {question}\"\n");
  ASSERT_TRUE(custom.ok()) << custom.error().message();
  EXPECT_EQ(custom->prompts.reconstruct, "Undo: {question}");
  EXPECT_NE(fingerprint(*custom), fingerprint(*attack));

  auto no_question = load(dir, text + "\n[prompts]\nreconstruct_answer = \"{options}\"\n");
  ASSERT_FALSE(no_question.ok());
  EXPECT_NE(no_question.error().message().find("reconstruct_answer"), std::string::npos);
  EXPECT_NE(no_question.error().message().find("{question}"), std::string::npos);

  std::string unknown = kMinimal;
  unknown.replace(unknown.find("local = \"l\""), 0, "scenarios = [\"A3\"]\n");
  auto bad = load(dir, unknown);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("unknown scenario 'A3' (S1..S5, or the attacks A1, A2)"),
            std::string::npos)
      << bad.error().message();

  std::string none = kMinimal;
  none.replace(none.find("local = \"l\""), 0, "scenarios = [\"A2\"]\nmechanisms = []\n");
  auto no_mechanism = load(dir, none);
  ASSERT_FALSE(no_mechanism.ok());
  EXPECT_NE(no_mechanism.error().message().find("need at least one mechanism"), std::string::npos)
      << no_mechanism.error().message();
}

TEST(Plan, CellsPerQuestion) {
  TempDir dir;
  auto c = load(dir, kMinimal);
  ASSERT_TRUE(c.ok());
  Question q;
  q.id = "q1";
  q.text = "Which nerve supplies the deltoid?";
  q.options = {"Radial", "Axillary", "Ulnar", "Median"};
  // S1, S2, S4 once; S3 for 3 mechanisms x 3 eps.
  const auto cells = cells_of(q, *c);
  EXPECT_EQ(cells.size(), 3u + 9u);
  c->repeats = 2;
  EXPECT_EQ(cells_of(q, *c).size(), 24u);
  std::set<std::string> keys;
  for (const auto& k : cells_of(q, *c))
    keys.insert(k.str());
  EXPECT_EQ(keys.size(), 24u) << "every cell has its own key";

  // Requests: S1 1 local; S2 1+1; S4 1 remote; S3 9 x (1 remote + 1 local);
  // PhraseDP candidates once per question (n samples in one request).
  c->repeats = 1;
  const PlanEstimate e = estimate_plan({q}, *c);
  EXPECT_EQ(e.providers.at("l").requests, 1 + 1 + 9 + 1);
  EXPECT_EQ(e.providers.at("r").requests, 1 + 1 + 9);

  // A1 and A2 run per mechanism and eps like S3, one remote request each.
  c->scenarios.push_back(Scenario::kReconstruct);
  c->scenarios.push_back(Scenario::kReconstructAnswer);
  std::set<std::string> with_attacks;
  for (const auto& k : cells_of(q, *c)) {
    with_attacks.insert(k.str());
    EXPECT_EQ(is_attack(k.scenario), !k.mechanism.empty() && k.scenario != Scenario::kPrivateCot);
  }
  EXPECT_EQ(with_attacks.size(), 3u + 3 * 9u);
  EXPECT_EQ(with_attacks.count("q1|A1|santext+|2|0"), 1u);
  const PlanEstimate attacks = estimate_plan({q}, *c);
  EXPECT_EQ(attacks.providers.at("l").requests, 1 + 1 + 9 + 1);
  EXPECT_EQ(attacks.providers.at("r").requests, 1 + 1 + 9 + 18);
  EXPECT_EQ(attacks.cells_by_scenario.at(Scenario::kReconstructAnswer), 9u);
}

}  // namespace
}  // namespace privqa
