// The runner's cell pipeline in-process, with scripted local and remote
// models: which calls each scenario makes, in which order, to which model,
// showing what; how failures and a quota end a cell; how PhraseDP's
// candidates are shared.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "exp/in_process_run.h"
#include "privqa/embed/sentence_encoder.h"
#include "privqa/store/result_store.h"

namespace privqa {
namespace {

using testing::InProcessRun;
using testing::rotations;
using testing::scripted_failure;
using testing::ScriptedCall;

// The first test question and its options as the prompts list them, written
// out here rather than formatted by the code under test.
const std::string kQ1 = "alpha bravo delta gamma kappa";
const std::string kQ1Options = "A) omega\nB) theta\nC) sigma\nD) tango";

// What the scripted models write as a CoT with max_cot_tokens = 16: 64
// characters naming the writer.
std::string cot_by(const std::string& provider) {
  std::string cot = "cot by " + provider + " ";
  cot.resize(64, '.');
  return cot;
}

std::map<std::string, CellResult> stored_cells(const RunConfig& config) {
  std::map<std::string, CellResult> out;
  auto store = open_sqlite_store(config.output, /*read_only=*/true);
  EXPECT_TRUE(store.ok()) << store.error().message();
  if (!store.ok()) return out;
  auto cells = (*store)->cells();
  EXPECT_TRUE(cells.ok());
  if (!cells.ok()) return out;
  for (auto& c : *cells)
    out[c.key.str()] = std::move(c);
  return out;
}

// The calls a cell recorded in its details, by purpose.
std::vector<std::string> recorded_purposes(const CellResult& cell) {
  std::vector<std::string> out;
  const auto details = nlohmann::json::parse(cell.details);
  for (const auto& call : details.at("calls"))
    out.push_back(call["purpose"].get<std::string>());
  return out;
}

struct ExpectedCall {
  std::string provider;
  std::string user;
  int calls_after;
  int max_tokens;
};

void expect_calls(const std::vector<ScriptedCall>& log, const std::vector<ExpectedCall>& expected) {
  ASSERT_EQ(log.size(), expected.size());
  for (size_t i = 0; i < log.size(); ++i) {
    SCOPED_TRACE("call " + std::to_string(i));
    EXPECT_EQ(log[i].provider, expected[i].provider);
    EXPECT_EQ(log[i].user, expected[i].user);
    EXPECT_EQ(log[i].system, "SYSTEM");
    EXPECT_EQ(log[i].options.calls_after, expected[i].calls_after);
    EXPECT_EQ(log[i].request.max_tokens, expected[i].max_tokens);
    EXPECT_EQ(log[i].request.temperature, 0.0) << "CoT and answers are greedy";
    EXPECT_EQ(log[i].request.n, std::nullopt);
  }
}

// One question under one scenario (S3: SanText+ at eps 1).
class OneCell : public ::testing::TestWithParam<bool> {
 protected:
  OneCell() {
    run_.config.dataset.filter.first_n = 1;
    run_.config.epsilons = {1.0};
    run_.config.mechanisms = {{"santext+", "santext+"}};
    run_.config.include_options_remote = GetParam();
  }
  // Runs `scenario` alone; returns its stored cell.
  CellResult run(Scenario scenario) {
    run_.config.scenarios = {scenario};
    auto summary = run_.run();
    EXPECT_TRUE(summary.ok()) << summary.error().message();
    EXPECT_EQ(summary.ok() ? summary->cells_ok : 0, 1u);
    auto cells = stored_cells(run_.config);
    EXPECT_EQ(cells.size(), 1u);
    return cells.empty() ? CellResult{} : cells.begin()->second;
  }
  bool options_allowed() const { return GetParam(); }

  InProcessRun run_;
};

TEST_P(OneCell, S1TheLocalModelAnswersAlone) {
  const CellResult cell = run(Scenario::kLocal);
  expect_calls(run_.log, {{"local", "ANSWER\n" + kQ1 + "\n" + kQ1Options, 0, 8}});
  EXPECT_EQ(cell.status, CellStatus::kOk);
  EXPECT_EQ(cell.raw_answer, "Answer: B");
  EXPECT_EQ(cell.parsed, 1);
  EXPECT_EQ(cell.gold, 1);
  EXPECT_TRUE(cell.cot.empty());
  EXPECT_EQ(cell.local_tokens_in, static_cast<int64_t>(run_.log[0].user.size()));
  EXPECT_EQ(cell.remote_tokens_in, 0);
  EXPECT_EQ(recorded_purposes(cell), (std::vector<std::string>{"answer"}));
}

TEST_P(OneCell, S2TheRemoteWritesACotOnTheQuestionAndTheLocalAnswersWithIt) {
  const CellResult cell = run(Scenario::kRemoteCot);
  const std::string cot_prompt =
      options_allowed() ? "COT WITH OPTIONS\n" + kQ1 + "\n" + kQ1Options : "COT\n" + kQ1;
  expect_calls(
      run_.log,
      {{"remote", cot_prompt, 1, 16},
       {"local", "ANSWER WITH COT\n" + cot_by("remote") + "\n" + kQ1 + "\n" + kQ1Options, 0, 8}});
  EXPECT_EQ(cell.cot, cot_by("remote"));
  EXPECT_EQ(cell.parsed, 1);
  EXPECT_EQ(cell.remote_tokens_in, static_cast<int64_t>(cot_prompt.size()));
  EXPECT_EQ(cell.remote_tokens_out, 64);
  EXPECT_EQ(cell.local_tokens_in, static_cast<int64_t>(run_.log[1].user.size()));
  EXPECT_EQ(recorded_purposes(cell), (std::vector<std::string>{"cot", "answer"}));
}

TEST_P(OneCell, S3TheRemoteSeesTheSanitizedTextOnly) {
  const CellResult cell = run(Scenario::kPrivateCot);
  // SanText+ replaced words (the table's far-apart vectors make keeping all
  // five unlikely, and the run is seeded): the remote must see its output.
  ASSERT_NE(cell.sanitized, kQ1);
  EXPECT_EQ(testing::words_of(cell.sanitized).size(), 5u);
  const std::string cot_prompt = options_allowed()
                                     ? "COT WITH OPTIONS\n" + cell.sanitized + "\n" + kQ1Options
                                     : "COT\n" + cell.sanitized;
  expect_calls(
      run_.log,
      {{"remote", cot_prompt, 1, 16},
       {"local", "ANSWER WITH COT\n" + cot_by("remote") + "\n" + kQ1 + "\n" + kQ1Options, 0, 8}});
  for (const auto& call : run_.log) {
    if (call.provider == "remote") {
      EXPECT_EQ(call.user.find(kQ1), std::string::npos);
    }
  }
  EXPECT_EQ(cell.parsed, 1);
  EXPECT_EQ(recorded_purposes(cell), (std::vector<std::string>{"cot", "answer"}));
  const auto mechanism = nlohmann::json::parse(cell.details)["mechanism"];
  EXPECT_EQ(mechanism["words"], 5);
  EXPECT_GT(mechanism["replaced"].get<int>(), 0);
}

TEST_P(OneCell, S4TheRemoteAnswersAlone) {
  const CellResult cell = run(Scenario::kRemote);
  expect_calls(run_.log, {{"remote", "ANSWER\n" + kQ1 + "\n" + kQ1Options, 0, 8}});
  EXPECT_EQ(cell.parsed, 1);
  EXPECT_EQ(cell.local_tokens_in, 0);
  EXPECT_EQ(cell.remote_tokens_in, static_cast<int64_t>(run_.log[0].user.size()));
}

TEST_P(OneCell, S5TheLocalWritesItsOwnCotWithoutOptionsAndAnswers) {
  const CellResult cell = run(Scenario::kLocalSelfCot);
  // include_options_remote is about the remote model: S5 never lists options.
  expect_calls(
      run_.log,
      {{"local", "COT\n" + kQ1, 1, 16},
       {"local", "ANSWER WITH COT\n" + cot_by("local") + "\n" + kQ1 + "\n" + kQ1Options, 0, 8}});
  EXPECT_EQ(cell.cot, cot_by("local"));
  EXPECT_EQ(cell.remote_tokens_in, 0);
  EXPECT_EQ(cell.remote_tokens_out, 0);
}

TEST_P(OneCell, S3PhraseDpAsksTheLocalModelForCandidatesFirst) {
  run_.config.mechanisms = {{"phrasedp", "phrasedp"}};
  run_.config.phrasedp.candidates = 4;
  const CellResult cell = run(Scenario::kPrivateCot);
  ASSERT_EQ(run_.log.size(), 3u);
  const ScriptedCall& paraphrase = run_.log[0];
  EXPECT_EQ(paraphrase.provider, "local");
  EXPECT_EQ(paraphrase.user, "PARAPHRASE\n" + kQ1);
  EXPECT_EQ(paraphrase.request.n, 4);
  EXPECT_EQ(paraphrase.request.temperature, 0.7);
  EXPECT_EQ(paraphrase.request.top_p, 0.95);
  EXPECT_EQ(paraphrase.request.max_tokens, 150);
  EXPECT_EQ(paraphrase.options.calls_after, 2);
  // The selected paraphrase is one of the lines the local model wrote.
  const std::string lines = "\n" + rotations(kQ1) + "\n";
  EXPECT_NE(lines.find("\n" + cell.sanitized + "\n"), std::string::npos) << cell.sanitized;
  const std::string cot_prompt = options_allowed()
                                     ? "COT WITH OPTIONS\n" + cell.sanitized + "\n" + kQ1Options
                                     : "COT\n" + cell.sanitized;
  EXPECT_EQ(run_.log[1].provider, "remote");
  EXPECT_EQ(run_.log[1].user, cot_prompt);
  EXPECT_EQ(run_.log[1].user.find(kQ1), std::string::npos);
  EXPECT_EQ(run_.log[2].provider, "local");
  EXPECT_EQ(run_.log[2].user,
            "ANSWER WITH COT\n" + cot_by("remote") + "\n" + kQ1 + "\n" + kQ1Options);
  EXPECT_EQ(recorded_purposes(cell), (std::vector<std::string>{"paraphrase", "cot", "answer"}));
  // The only eps of the grid: the candidates' tokens count in this cell.
  EXPECT_EQ(cell.local_tokens_in,
            static_cast<int64_t>(run_.log[0].user.size() + run_.log[2].user.size()));
}

INSTANTIATE_TEST_SUITE_P(Pipeline, OneCell, ::testing::Bool(), [](const auto& param_info) {
  return param_info.param ? "OptionsShownToTheRemote" : "OptionsKeptLocal";
});

// The reconstruction attacks: one remote call each on exactly the text the
// S3 cell of the same question, mechanism and eps sent, never the original;
// the reply's reconstruction is stored in the details, A2's answer parsed.
TEST(Pipeline, AttackCellsSendS3sTextAndStoreTheReconstruction) {
  testing::InProcessRun run;
  run.config.scenarios = {Scenario::kPrivateCot, Scenario::kReconstruct,
                          Scenario::kReconstructAnswer};
  run.config.mechanisms = {{"santext+", "santext+"}};
  run.config.epsilons = {1.0, 3.0};
  run.config.prompts.reconstruct = "RECONSTRUCT\n{question}";
  run.config.prompts.reconstruct_answer = "RECONSTRUCT ANSWER\n{question}\n\n{options}";
  const auto attacker = [](const ScriptedCall& call) {
    if (testing::first_line(call.user).rfind("RECONSTRUCT", 0) != 0) {
      return testing::default_script(call);
    }
    return testing::scripted_reply(
        {"Question: guessed " + testing::after_first_line(call.user) + "\nAnswer: B"}, call);
  };
  auto summary = run.run(testing::default_script, attacker);
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  const auto cells = stored_cells(run.config);
  const auto questions = run.questions();
  ASSERT_EQ(cells.size(), questions.size() * 2 * 3);
  size_t attacks = 0;
  for (const auto& [key, cell] : cells) {
    if (!is_attack(cell.key.scenario)) continue;
    ++attacks;
    SCOPED_TRACE(key);
    CellKey s3 = cell.key;
    s3.scenario = Scenario::kPrivateCot;
    const CellResult& sent = cells.at(s3.str());
    EXPECT_EQ(cell.sanitized, sent.sanitized) << "the attacker sees S3's text";
    EXPECT_EQ(cell.status, CellStatus::kOk);
    EXPECT_EQ(recorded_purposes(cell), (std::vector<std::string>{"reconstruct"}));
    EXPECT_EQ(nlohmann::json::parse(cell.details)["reconstruction"], "guessed " + cell.sanitized);
    EXPECT_EQ(cell.parsed, cell.key.scenario == Scenario::kReconstructAnswer ? 1 : -1);
    EXPECT_EQ(cell.local_tokens_in, 0);
    EXPECT_GT(cell.remote_tokens_in, 0);
  }
  EXPECT_EQ(attacks, questions.size() * 2 * 2);
  size_t reconstruct_calls = 0;
  for (const ScriptedCall& call : run.log) {
    if (testing::first_line(call.user).rfind("RECONSTRUCT", 0) != 0) continue;
    ++reconstruct_calls;
    EXPECT_EQ(call.provider, "remote");
    EXPECT_EQ(call.request.temperature, 0.0);
    EXPECT_EQ(call.options.calls_after, 0);
    // Options stay local by default: A2's options paragraph is left out.
    EXPECT_EQ(call.user.find("A) "), std::string::npos) << call.user;
    for (const Question& q : questions) {
      const bool unchanged = std::any_of(cells.begin(), cells.end(), [&](const auto& c) {
        return c.second.key.question_id == q.id && c.second.sanitized == q.text;
      });
      if (unchanged) continue;
      EXPECT_EQ(call.user.find(q.text), std::string::npos) << call.user;
    }
  }
  EXPECT_EQ(reconstruct_calls, attacks);
}

TEST(Pipeline, S3CellsStoreTheEpsTheirTextSpent) {
  // Every word of the questions is a corpus word with a vector, so SanText
  // (w = 1) and TEM draw each of a question's five words: 5 x eps per text.
  // PhraseDP records no eps: it is not DP.
  InProcessRun run;
  run.config.dataset.filter.first_n = 2;
  run.config.scenarios = {Scenario::kPrivateCot};
  run.config.epsilons = {1.0, 3.0};
  run.config.mechanisms = {{"santext", "santext"}, {"tem", "tem"}, {"phrasedp", "phrasedp"}};
  auto summary = run.run();
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  const auto cells = stored_cells(run.config);
  size_t checked = 0;
  for (const auto& [key, cell] : cells) {
    SCOPED_TRACE(key);
    ASSERT_EQ(cell.status, CellStatus::kOk) << cell.error;
    const auto mechanism = nlohmann::json::parse(cell.details)["mechanism"];
    if (cell.key.mechanism == "phrasedp") {
      EXPECT_FALSE(mechanism.contains("eps_spent"));
      continue;
    }
    const size_t sampled = 5;
    EXPECT_EQ(mechanism["sampled"].get<size_t>(), sampled);
    EXPECT_DOUBLE_EQ(mechanism["eps_per_token"].get<double>(), cell.key.eps);
    EXPECT_DOUBLE_EQ(mechanism["eps_spent"].get<double>(),
                     static_cast<double>(sampled) * cell.key.eps);
    ++checked;
  }
  EXPECT_EQ(checked, 2u * 2u * 2u);  // questions x eps x word-level mechanisms
}

TEST(Pipeline, AFailedCallStoresAnErrorAndNoAnswer) {
  InProcessRun run;
  run.config.dataset.filter.first_n = 1;
  run.config.scenarios = {Scenario::kLocal, Scenario::kRemoteCot, Scenario::kRemote};
  auto remote = [](const ScriptedCall& call) {
    if (testing::first_line(call.user) == "COT") {
      return scripted_failure(FailureKind::kServer, "HTTP 503 after 6 attempts");
    }
    return testing::default_script(call);
  };
  auto summary = run.run(testing::default_script, remote);
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  EXPECT_EQ(summary->cells_ok, 2u);
  EXPECT_EQ(summary->cells_error, 1u);
  EXPECT_EQ(summary->cells_not_run, 0u);
  const auto cells = stored_cells(run.config);
  ASSERT_EQ(cells.size(), 3u);
  const CellResult& s2 = cells.at(run.questions()[0].id + "|S2||0|0");
  EXPECT_EQ(s2.status, CellStatus::kError);
  EXPECT_EQ(s2.error, "cot (remote): HTTP 503 after 6 attempts");
  EXPECT_EQ(s2.raw_answer, "");
  EXPECT_EQ(s2.parsed, -1);
  EXPECT_FALSE(s2.correct());
  EXPECT_EQ(recorded_purposes(s2), (std::vector<std::string>{"cot"}));
  for (const auto& call : run.log) {
    EXPECT_NE(testing::first_line(call.user), "ANSWER WITH COT") << "S2 asked nobody to answer";
  }
  for (const char* other : {"|S1||0|0", "|S4||0|0"})
    EXPECT_EQ(cells.at(run.questions()[0].id + other).status, CellStatus::kOk) << other;
}

TEST(Pipeline, FailedCandidatesAreAskedForOnceAndFailEveryEps) {
  InProcessRun run;
  run.config.dataset.filter.first_n = 1;
  run.config.scenarios = {Scenario::kPrivateCot};
  run.config.mechanisms = {{"phrasedp", "phrasedp"}};
  auto local = [](const ScriptedCall& call) {
    if (testing::first_line(call.user) == "PARAPHRASE") {
      return scripted_failure(FailureKind::kTimeout, "no reply within 120 s");
    }
    return testing::default_script(call);
  };
  auto summary = run.run(local);
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  EXPECT_EQ(summary->cells_error, 3u);
  ASSERT_EQ(run.log.size(), 1u) << "one candidate request, no CoT, no answer";
  for (const auto& [key, cell] : stored_cells(run.config)) {
    EXPECT_EQ(cell.status, CellStatus::kError) << key;
    EXPECT_EQ(cell.error, "paraphrase (local): no reply within 120 s") << key;
    EXPECT_EQ(cell.parsed, -1) << key;
  }
}

TEST(Pipeline, AnExhaustedQuotaLeavesTheCellsUnrunUntilTheNextRun) {
  InProcessRun run;
  run.config.dataset.filter.first_n = 1;
  run.config.epsilons = {1.0};
  run.config.mechanisms = {{"santext+", "santext+"}};
  auto dry = [](const ScriptedCall&) {
    return scripted_failure(FailureKind::kQuota, "You exceeded your current quota");
  };
  auto first = run.run(testing::default_script, dry);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->paused.count("remote"), 1u);
  EXPECT_EQ(first->cells_ok, 2u) << "S1 and S5 need the local model only";
  EXPECT_EQ(first->cells_error, 0u) << "a quota failure is no cell's error";
  EXPECT_EQ(first->cells_not_run, 3u);
  const auto after_first = stored_cells(run.config);
  ASSERT_EQ(after_first.size(), 2u);
  const std::string id = run.questions()[0].id;
  EXPECT_EQ(after_first.count(id + "|S1||0|0"), 1u);
  EXPECT_EQ(after_first.count(id + "|S5||0|0"), 1u);

  // With credit again the same run finishes the rest and sends nothing for
  // the cells it finished before.
  const size_t sent_before = run.log.size();
  auto second = run.run();
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(second->cells_already_done, 2u);
  EXPECT_EQ(second->cells_ok, 3u);
  EXPECT_TRUE(second->paused.empty());
  EXPECT_EQ(stored_cells(run.config).size(), 5u);
  for (size_t i = sent_before; i < run.log.size(); ++i) {
    const ScriptedCall& call = run.log[i];
    EXPECT_FALSE(call.provider == "local" && testing::first_line(call.user) == "ANSWER")
        << "S1 again";
    EXPECT_FALSE(call.provider == "local" && testing::first_line(call.user) == "COT") << "S5 again";
  }
}

RunRecord run_record(const RunConfig& config) {
  auto store = open_sqlite_store(config.output, /*read_only=*/true);
  EXPECT_TRUE(store.ok()) << store.error().message();
  if (!store.ok()) return {};
  auto record = (*store)->run();
  EXPECT_TRUE(record.ok() && record->has_value());
  return record.ok() && record->has_value() ? **record : RunRecord{};
}

// The remote's S3 requests (chains of thought on sanitized text) from call
// `from` of the log on: (the text it saw, the request's seed field).
std::multiset<std::pair<std::string, int64_t>> private_cot_requests(const InProcessRun& run,
                                                                    size_t from = 0) {
  std::multiset<std::pair<std::string, int64_t>> out;
  for (size_t i = from; i < run.log.size(); ++i) {
    const ScriptedCall& call = run.log[i];
    if (call.provider == "remote" && testing::first_line(call.user) == "COT") {
      out.emplace(testing::after_first_line(call.user), call.request.seed.value_or(-1));
    }
  }
  return out;
}

// Without `seed` in the config, the store draws a seed from the OS when it is
// created and keeps it: the identity records only that it was drawn, a later
// session of the same store uses it, and another store draws another one.
TEST(Pipeline, WithoutASeedEachStoreKeepsASecretSeedOfItsOwn) {
  auto configure = [](InProcessRun& run) {
    run.config.seed_from_os = true;
    run.config.scenarios = {Scenario::kPrivateCot};
    run.config.mechanisms = {{"santext+", "santext+"}};
    run.config.epsilons = {1.0};
  };
  auto dry = [](const ScriptedCall&) {
    return scripted_failure(FailureKind::kQuota, "You exceeded your current quota");
  };
  // Store a: the first session leaves every cell unrun, the second runs them.
  InProcessRun a;
  configure(a);
  ASSERT_TRUE(a.run(testing::default_script, dry).ok());
  EXPECT_EQ(stored_cells(a.config).size(), 0u);
  const RunRecord first = run_record(a.config);
  ASSERT_TRUE(first.secret_seed.has_value());
  EXPECT_EQ(first.config.at("seed"), "os");
  const size_t second_session = a.log.size();
  ASSERT_TRUE(a.run().ok());
  EXPECT_EQ(run_record(a.config).secret_seed, first.secret_seed);
  const auto a_requests = private_cot_requests(a, second_session);
  ASSERT_EQ(a_requests.size(), 3u);

  // The same run with the store's seed fixed in the config draws exactly the
  // same: the second session used the stored seed, not a new one.
  InProcessRun fixed;
  configure(fixed);
  fixed.config.seed_from_os = false;
  fixed.config.seed = *first.secret_seed;
  ASSERT_TRUE(fixed.run().ok());
  EXPECT_EQ(private_cot_requests(fixed), a_requests);
  EXPECT_FALSE(run_record(fixed.config).secret_seed.has_value());
  EXPECT_EQ(run_record(fixed.config).config.at("seed"), *first.secret_seed);

  // Another store: another seed (equal with probability 2^-64), so every
  // request's seed field differs (each equal with probability 2^-63).
  InProcessRun b;
  configure(b);
  ASSERT_TRUE(b.run().ok());
  const RunRecord other = run_record(b.config);
  ASSERT_TRUE(other.secret_seed.has_value());
  EXPECT_NE(*other.secret_seed, *first.secret_seed);
  std::set<int64_t> a_seeds, b_seeds;
  for (const auto& [text, seed] : a_requests)
    a_seeds.insert(seed);
  for (const auto& [text, seed] : private_cot_requests(b))
    b_seeds.insert(seed);
  ASSERT_EQ(b_seeds.size(), 3u);
  for (int64_t seed : b_seeds)
    EXPECT_EQ(a_seeds.count(seed), 0u);
}

// The models hear of the run's last stretch once no chain will make a call
// with another after it: after the last such call, never before. (Cells of
// S1, S4 and S5 end while S3's wait for the mechanisms and candidates.)
TEST(Pipeline, TheModelsAreToldOfTheLastStretchAfterTheLastCallWithACallAfterIt) {
  InProcessRun run;
  auto summary = run.run();
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  size_t after_last_chain_call = 0;
  for (size_t i = 0; i < run.log.size(); ++i) {
    if (run.log[i].options.calls_after >= 1) after_last_chain_call = i + 1;
  }
  ASSERT_GT(after_last_chain_call, 0u);
  ASSERT_LT(after_last_chain_call, run.log.size());
  for (const testing::ScriptedModel* model : {&run.local(), &run.remote()}) {
    ASSERT_TRUE(model->last_stretch_at().has_value()) << model->config().name;
    EXPECT_GE(*model->last_stretch_at(), after_last_chain_call) << model->config().name;
  }
}

TEST(Pipeline, PhraseDpCandidatesAreRequestedOncePerQuestionAndRepeatForEveryEps) {
  InProcessRun run;
  run.config.scenarios = {Scenario::kPrivateCot};
  run.config.mechanisms = {{"phrasedp", "phrasedp"}};
  run.config.repeats = 2;
  run.config.phrasedp.use_n = false;
  run.config.phrasedp.candidates = 3;
  auto summary = run.run();
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  const auto questions = run.questions();
  ASSERT_EQ(questions.size(), 3u);
  EXPECT_EQ(summary->cells_ok, 3u * 2 * 3);

  // (question, repeat) -> the sample offsets of its paraphrase requests.
  std::map<std::pair<std::string, int>, std::multiset<int>> requests;
  for (const auto& call : run.log) {
    if (testing::first_line(call.user) != "PARAPHRASE") continue;
    EXPECT_EQ(call.provider, "local");
    EXPECT_EQ(call.request.n, std::nullopt);
    const int sample = call.options.sample_index;
    requests[{testing::after_first_line(call.user), sample / 1000}].insert(sample % 1000);
  }
  ASSERT_EQ(requests.size(), 3u * 2);
  for (const auto& [question_repeat, offsets] : requests) {
    EXPECT_EQ(offsets, (std::multiset<int>{0, 1, 2})) << question_repeat.first;
  }

  const auto cells = stored_cells(run.config);
  for (const auto& q : questions) {
    const std::string paraphrase_prompt = "PARAPHRASE\n" + q.text;
    const std::string lines = "\n" + rotations(q.text) + "\n";
    for (int repeat = 0; repeat < 2; ++repeat) {
      std::map<double, const CellResult*> by_eps;
      for (double eps : {1.0, 2.0, 3.0}) {
        const CellKey key{q.id, Scenario::kPrivateCot, "phrasedp", eps, repeat};
        const CellResult& cell = cells.at(key.str());
        EXPECT_EQ(cell.status, CellStatus::kOk) << key.str();
        EXPECT_NE(lines.find("\n" + cell.sanitized + "\n"), std::string::npos) << key.str();
        by_eps[eps] = &cell;
      }
      // The candidates' tokens count once, in the cell of the first eps.
      const int64_t candidates_in = 3 * static_cast<int64_t>(paraphrase_prompt.size());
      EXPECT_EQ(by_eps[1.0]->local_tokens_in - by_eps[2.0]->local_tokens_in, candidates_in);
      EXPECT_EQ(by_eps[2.0]->local_tokens_in, by_eps[3.0]->local_tokens_in);
    }
  }
}

// Two PhraseDP mechanisms, one scoring with SIF and one with a provider
// encoder: one set of candidates per question serves both, the encoder embeds
// the question and its candidates in one request, and the tokens of both
// count once, in the first PhraseDP mechanism's cell of the first eps.
TEST(Pipeline, TwoPhraseDpEncodersShareOneCandidateSetAndCountItsTokensOnce) {
  InProcessRun run;
  run.config.scenarios = {Scenario::kPrivateCot};
  run.config.mechanisms = {{"phrasedp", "phrasedp"},
                           {"phrasedp-enc", "phrasedp", {{"encoder", "enc"}}}};
  ProviderConfig encoder;
  encoder.name = "enc";
  encoder.base_url = "http://127.0.0.1:9/v1";
  encoder.model = "scripted-enc";
  run.config.providers.push_back(encoder);
  // Paraphrases that differ in their letters: the question with one word
  // replaced by "zebra", so each candidate has a vector of its own.
  auto local = [](const ScriptedCall& call) {
    if (testing::first_line(call.user) != "PARAPHRASE") return testing::default_script(call);
    const auto words = testing::words_of(testing::after_first_line(call.user));
    std::string lines;
    for (size_t i = 0; i < words.size(); ++i) {
      auto changed = words;
      changed[i] = "zebra";
      lines += (lines.empty() ? "" : "\n") + testing::join(changed);
    }
    return testing::scripted_reply({lines}, call);
  };
  auto summary = run.run(local);
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  EXPECT_EQ(summary->cells_ok, 3u * 2 * 3);

  std::map<std::string, int> paraphrases;                      // by question
  std::map<std::string, std::vector<std::string>> embeddings;  // question -> inputs
  for (const auto& call : run.log) {
    if (call.embedding) {
      EXPECT_EQ(call.provider, "enc");
      ASSERT_FALSE(call.embedding->inputs.empty());
      EXPECT_EQ(embeddings.count(call.embedding->inputs[0]), 0u) << "one request per question";
      embeddings[call.embedding->inputs[0]] = call.embedding->inputs;
    } else if (testing::first_line(call.user) == "PARAPHRASE") {
      ++paraphrases[testing::after_first_line(call.user)];
    }
  }
  const auto cells = stored_cells(run.config);
  for (const auto& q : run.questions()) {
    EXPECT_EQ(paraphrases[q.text], 1) << q.text;
    ASSERT_EQ(embeddings[q.text].size(), 1u + 5) << "the question and its five candidates";
    const int64_t embedded_chars = [&] {
      int64_t n = 0;
      for (const auto& text : embeddings[q.text])
        n += static_cast<int64_t>(text.size());
      return n;
    }();
    auto cell = [&](const std::string& mechanism, double eps) -> const CellResult& {
      return cells.at(CellKey{q.id, Scenario::kPrivateCot, mechanism, eps, 0}.str());
    };
    for (double eps : {1.0, 2.0, 3.0}) {
      const auto sif = nlohmann::json::parse(cell("phrasedp", eps).details)["mechanism"];
      const auto enc = nlohmann::json::parse(cell("phrasedp-enc", eps).details)["mechanism"];
      EXPECT_EQ(sif["encoder"], "sif");
      EXPECT_EQ(enc["encoder"], "enc (scripted-enc)");
      const auto candidates = enc["candidates"].get<std::vector<std::string>>();
      EXPECT_EQ(sif["candidates"], enc["candidates"]);
      EXPECT_EQ(candidates,
                std::vector<std::string>(embeddings[q.text].begin() + 1, embeddings[q.text].end()));
      const auto original = testing::scripted_vector(q.text);
      for (size_t i = 0; i < candidates.size(); ++i) {
        EXPECT_NEAR(enc["similarities"][i].get<double>(),
                    cosine_similarity(original, testing::scripted_vector(candidates[i])), 1e-6);
      }
    }
    // Tokens: the paraphrase request's prompt and the embedded characters,
    // once, in phrasedp's cell of eps 1.
    const int64_t paraphrase_prompt = static_cast<int64_t>(("PARAPHRASE\n" + q.text).size());
    EXPECT_EQ(cell("phrasedp", 1.0).local_tokens_in - cell("phrasedp", 2.0).local_tokens_in,
              paraphrase_prompt + embedded_chars);
    EXPECT_EQ(cell("phrasedp-enc", 1.0).local_tokens_in, cell("phrasedp", 2.0).local_tokens_in);
    EXPECT_EQ(cell("phrasedp-enc", 1.0).local_tokens_in, cell("phrasedp-enc", 3.0).local_tokens_in);
  }
}

}  // namespace
}  // namespace privqa
