// The experiment engine end to end: `privqa run` against `privqa sim-server`
// processes on loopback, on the bundled sample with the test table of
// tests/fixtures/embed, and on real MedMCQA questions with the wink table
// when those are present (PRIVQA_DATA_DIR, PRIVQA_EMBEDDINGS).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "cli/cli_testing.h"
#include "postgres_server.h"
#include "privqa/data/dataset.h"
#include "privqa/embed/sentence_encoder.h"
#include "privqa/exp/prompts.h"
#include "privqa/exp/run_config.h"
#include "privqa/exp/scenarios.h"
#include "privqa/sim/hashed_embedding.h"
#include "privqa/store/open_store.h"
#include "privqa/store/result_store.h"
#include "privqa/store/sqlite.h"
#include "privqa/text/normalize.h"
#include "privqa/text/tokenizer.h"
#include "testing.h"

namespace privqa {
namespace {

using testing::ChildProcess;
using testing::run_command;
using testing::TempDir;
using testing::write_text;

using cli_testing::kBinary;

// A simulator without rate limits on `questions`, logging each request to
// dir/sim.log (its output in dir/sim.out); the URL, empty if it did not start.
std::string start_unlimited_logged_sim(std::unique_ptr<ChildProcess>& sim,
                                       const std::filesystem::path& questions,
                                       const std::string& seed, const std::filesystem::path& dir) {
  return testing::start_sim_server(
      sim, kBinary,
      {"--dataset", questions.string(), "--seed", seed, "--time-scale", "0", "--profiles",
       (testing::fixtures_dir() / "sim" / "unlimited.toml").string(), "--log",
       (dir / "sim.log").string()},
      dir / "sim.out");
}

// The simulator's time scale that makes a run of a few dozen questions last
// seconds (with a small window), as a run of hundreds does without latency.
constexpr double kShortRunTimeScale = 0.3;

struct ConfigSpec {
  std::filesystem::path dataset;
  std::filesystem::path embeddings;
  std::filesystem::path output;
  int first = 0;
  std::string scenarios = R"(["S1", "S2", "S3", "S4"])";
  std::string mechanisms = R"(["phrasedp", "inferdpt", "santext+"])";
  int max_in_flight = 256;
  int window = 128;
  std::string cache = "use";
  double timeout = 30;
  int max_attempts = 6;
  double hedge_after = 1.5;  // the client's default
  double backoff = 0.5;      // the client's default
  double lease_seconds = 0;  // 0: the default
  double remote_rpm = 0;     // 0: none
};

std::string config_text(const ConfigSpec& s) {
  std::string t = "[dataset]\npath = \"" + s.dataset.string() + "\"\n";
  if (s.first > 0) t += "first = " + std::to_string(s.first) + "\n";
  t += "\n[experiment]\noutput = \"" + s.output.string() + "\"\nseed = 7\n";
  t += "embeddings = \"" + s.embeddings.string() + "\"\n";
  t += "scenarios = " + s.scenarios + "\nmechanisms = " + s.mechanisms + "\n";
  t += "epsilons = [1.0, 2.0, 3.0]\nlocal = \"local\"\nremote = \"remote\"\n";
  t += "window = " + std::to_string(s.window) + "\ncache = \"" + s.cache + "\"\n";
  if (s.lease_seconds > 0) t += "lease_seconds = " + std::to_string(s.lease_seconds) + "\n";
  for (const auto& [name, model] : {std::pair{"local", "sim-local"}, {"remote", "sim-remote"}}) {
    t += std::string("\n[providers.") + name + "]\nbase_url = \"${PRIVQA_SIM_URL}\"\nmodel = \"" +
         model + "\"\nmax_in_flight = " + std::to_string(s.max_in_flight) +
         "\ntimeout = " + std::to_string(s.timeout) +
         "\nmax_attempts = " + std::to_string(s.max_attempts) +
         "\nhedge_after = " + std::to_string(s.hedge_after) +
         "\nbackoff = " + std::to_string(s.backoff) + "\n";
    if (s.remote_rpm > 0 && std::string(name) == "remote") {
      t += "rpm = " + std::to_string(s.remote_rpm) + "\n";
    }
  }
  return t;
}

using cli_testing::slurp;

// The number of lines in a file (of a JSON-lines log: its entries).
size_t count_lines(const std::filesystem::path& path) {
  const std::string text = slurp(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::vector<nlohmann::json> read_jsonl(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

// The user message of a logged chat request.
std::string user_message(const nlohmann::json& entry) {
  if (!entry.contains("body") || !entry["body"].contains("messages")) return "";
  for (const auto& m : entry["body"]["messages"]) {
    if (m.value("role", "") == "user") return m.value("content", "");
  }
  return "";
}

// A logged request as "model\nuser message".
std::string request_id(const nlohmann::json& entry) {
  return entry.value("model", "") + "\n" + user_message(entry);
}

// The port of a simulator's URL "http://127.0.0.1:PORT/v1".
std::string port_of(const std::string& url) {
  return url.substr(url.rfind(':') + 1, url.find("/v1") - url.rfind(':') - 1);
}

class RunE2E : public ::testing::TestWithParam<testing::EngineData> {
 protected:
  RunE2E() : data_(GetParam()), dev_(data_.questions) {}

  // A run's configuration on this test's questions and table.
  ConfigSpec config_spec(const std::string& output, int first) const {
    ConfigSpec s;
    s.dataset = dev_;
    s.embeddings = data_.embeddings;
    s.output = dir_ / output;
    s.first = first;
    return s;
  }

  // Starts a simulator on the test's questions; returns its URL. Its
  // latencies are the profiles' times `time_scale` (0: none).
  std::string start_sim(std::unique_ptr<ChildProcess>& sim, const std::string& name,
                        std::vector<std::string> extra = {}, double time_scale = 0) {
    std::vector<std::string> args = {
        "--dataset",    dev_.string(),
        "--seed",       "3",
        "--time-scale", std::to_string(time_scale),
        "--profiles",   (testing::fixtures_dir() / "sim" / "unlimited.toml").string(),
        "--log",        (dir_ / (name + ".log")).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string url = testing::start_sim_server(sim, kBinary, args, dir_ / (name + ".out"));
    EXPECT_FALSE(url.empty()) << slurp(dir_ / (name + ".out"));
    return url;
  }

  std::string privqa_run(const std::string& url, const std::filesystem::path& config) {
    return "PRIVQA_SIM_URL=" + url + " " + kBinary + " run --quiet " + config.string();
  }

  // Runs `spec` (its output a file of this test's folder) without
  // interruption; its export, and in `seconds` how long the run took.
  std::string reference_run(const std::string& url, const ConfigSpec& spec, double& seconds) {
    const std::filesystem::path config = dir_ / "reference.toml";
    write_text(config, config_text(spec));
    const auto t0 = std::chrono::steady_clock::now();
    const auto reference = run_command(privqa_run(url, config));
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(reference.exit_code, 0) << reference.out << reference.err;
    return export_of(spec.output);
  }

  std::string export_of(const std::filesystem::path& store) {
    const auto r = run_command(kBinary + " export --no-timing '" + store.string() + "'");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  // The requests (model + user message) each finished cell of a store made,
  // with the keys of the cells that made each, rebuilt from what it stored,
  // the scenario table and the default prompts.
  std::map<std::string, std::set<std::string>> request_cells(const std::string& store) {
    return request_cells_of(stored(store));
  }
  // The cells a store holds; none before it exists (a run killed while it
  // created the store has finished nothing).
  std::vector<CellResult> stored(const std::string& store) {
    auto reader = open_store(store, /*read_only=*/true);
    if (!reader.ok()) return {};
    auto cells = (*reader)->cells();
    EXPECT_TRUE(cells.ok()) << cells.error().message();
    return cells.ok() ? std::move(*cells) : std::vector<CellResult>();
  }
  std::map<std::string, std::set<std::string>> request_cells_of(
      const std::vector<CellResult>& cells) {
    if (questions_.empty()) {
      auto dataset = load_dataset(dev_);
      EXPECT_TRUE(dataset.ok());
      for (auto& q : dataset->questions)
        questions_[q.id] = q;
    }
    RunConfig config;  // as config_text() writes it: the default prompts, no options shown
    config.prompts = default_prompts();
    std::map<std::string, std::set<std::string>> out;
    for (const CellResult& c : cells) {
      if (c.status != CellStatus::kOk) continue;
      const Question& q = questions_.at(c.key.question_id);
      std::string cot;  // the CoT, once a step wrote it
      for (const ScenarioStep& step : steps_of(c.key.scenario)) {
        out[std::string(step.model == Role::kLocal ? "sim-local" : "sim-remote") + "\n" +
            step_prompt(step, c.key.scenario, config, q, {.sanitized = c.sanitized, .cot = cot})]
            .insert(c.key.str());
        if (step.purpose == CallPurpose::kCot) cot = c.cot;
      }
    }
    return out;
  }
  // The cells a store holds, ok or not; 0 before it exists.
  size_t stored_cells(const std::string& store) {
    auto reader = open_store(store, /*read_only=*/true);
    if (!reader.ok()) return 0;
    auto counts = (*reader)->cell_counts();
    size_t total = 0;
    if (counts.ok()) {
      for (const auto& [question, c] : *counts)
        total += c.ok + c.error;
    }
    return total;
  }

  std::set<std::string> requests_of_finished_cells(const std::string& store) {
    std::set<std::string> out;
    for (const auto& [request, cells] : request_cells(store))
      out.insert(request);
    return out;
  }

  const testing::EngineData data_;
  const std::filesystem::path dev_;
  TempDir dir_;
  std::map<std::string, Question> questions_;
};

TEST_P(RunE2E, KilledFiveTimesResumesToTheSameResultsWithoutRepeatingRequests) {
  const int n = data_.questions_for(300);
  // The kills must land inside runs that have stored some cells. On fewer
  // questions, simulated latency and a window of 3 questions make a run last
  // long enough, and finish cells steadily, as 300 questions do without.
  std::unique_ptr<ChildProcess> sim;
  const std::string url = start_sim(sim, "sim", {}, n < 300 ? kShortRunTimeScale : 0);
  ConfigSpec spec = config_spec("reference.db", n);
  if (n < 300) spec.window = 3;
  // An uninterrupted run, timed to place the kills inside a run.
  double seconds = 0;
  const std::string expected = reference_run(url, spec, seconds);
  ASSERT_EQ(read_jsonl(expected).size(), n * 12u);

  spec.output = dir_ / "crashed.db";
  write_text(dir_ / "crashed.toml", config_text(spec));
  // After each kill: the simulator's log length, and the requests of every
  // cell the store holds as finished by then (model + user message).
  std::vector<size_t> segment_ends = {count_lines(dir_ / "sim.log")};
  std::vector<std::set<std::string>> finished_requests;
  // The first kill comes after a random 10-30% of an uninterrupted run's
  // time, at start-up or early on. Each later one waits for its run to store
  // a cell first (a loaded machine can start a run slower than a fixed
  // moment allows), then a random 0-20% of that time, so the kills land at
  // different stages and leave work for the final resume.
  std::mt19937_64 rng(20261125);  // fixed: the kill moments are reproducible
  std::uniform_real_distribution<double> first_moment(0.1, 0.3), moment(0.0, 0.2);
  const std::string crashed = (dir_ / "crashed.db").string();
  int killed_running = 0;
  for (int kill = 0; kill < 5; ++kill) {
    const size_t stored_before = stored_cells(crashed);
    ChildProcess runner({kBinary, "run", "--quiet", (dir_ / "crashed.toml").string()},
                        dir_ / "runner.out", {"PRIVQA_SIM_URL=" + url});
    if (kill > 0) {
      const auto give_up =
          std::chrono::steady_clock::now() + std::chrono::duration<double>(2 * seconds + 30);
      while (stored_cells(crashed) <= stored_before && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(
        std::chrono::duration<double>((kill == 0 ? first_moment(rng) : moment(rng)) * seconds));
    runner.signal(SIGKILL);
    killed_running += runner.wait() == 128 + SIGKILL;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the simulator logs what it got
    segment_ends.push_back(count_lines(dir_ / "sim.log"));
    finished_requests.push_back(requests_of_finished_cells(crashed));
  }
  EXPECT_GE(killed_running, 2) << "kills hit running runs";
  const auto resumed = run_command(privqa_run(url, dir_ / "crashed.toml"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(export_of(dir_ / "crashed.db"), expected);

  // No request of a cell finished before a kill is sent after it. (Requests
  // in flight at a kill may be sent again: their replies never arrived.)
  const auto log = read_jsonl(slurp(dir_ / "sim.log"));
  segment_ends.push_back(log.size());
  size_t repeated = 0, checked = 0;
  for (size_t kill = 0; kill < finished_requests.size(); ++kill) {
    checked += finished_requests[kill].size();
    for (size_t i = segment_ends[kill + 1]; i < log.size(); ++i) {
      repeated += finished_requests[kill].count(request_id(log[i])) != 0;
    }
  }
  EXPECT_GT(checked, 0u);
  EXPECT_EQ(repeated, 0u);

  // Honest accounting: the sessions of the killed runs count the tokens of
  // every answer they were sent, but those of each one's last second (a
  // session's record is rewritten once a second) and those in flight at its
  // kill: at most the answers sent from kLostSeconds before its last request on. The
  // simulator logs what each whole answer reports (`tokens`).
  auto store = open_sqlite_store(dir_ / "crashed.db", /*read_only=*/true);
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto sessions = (*store)->sessions();
  ASSERT_TRUE(sessions.ok()) << sessions.error().message();
  int64_t recorded = 0;
  size_t unended = 0;
  for (const auto& [name, k] : provider_totals(*sessions))
    recorded += k.tokens_in + k.tokens_out;
  for (const SessionRecord& s : *sessions)
    unended += !s.ended;
  EXPECT_TRUE(sessions->back().ended) << "the final resume ended as a session should";
  EXPECT_GE(unended, 1u);
  EXPECT_LE(unended, 5u);
  // A second of session records, one of replies in flight, and two more for
  // a loaded machine, whose runner reads replies and rewrites its record late.
  constexpr double kLostSeconds = 4.0;
  int64_t sent = 0, maybe_lost = 0;
  for (size_t segment = 1; segment < segment_ends.size(); ++segment) {
    const bool killed = segment + 1 < segment_ends.size();
    double last_arrival = 0;
    for (size_t i = segment_ends[segment - 1]; i < segment_ends[segment]; ++i)
      last_arrival = std::max(last_arrival, log[i].value("time", 0.0));
    for (size_t i = segment_ends[segment - 1]; i < segment_ends[segment]; ++i) {
      const int64_t tokens = log[i].value("tokens", int64_t{0});
      sent += tokens;
      const double answered = log[i].value("time", 0.0) + log[i].value("delay", 0.0);
      if (killed && answered >= last_arrival - kLostSeconds) maybe_lost += tokens;
    }
  }
  EXPECT_GT(sent, 0);
  EXPECT_LE(recorded, sent);
  EXPECT_GE(recorded, sent - maybe_lost) << "sent " << sent << ", at most " << maybe_lost
                                         << " of them in the killed runs' last seconds";
}

TEST_P(RunE2E, CtrlCFinishesCellsInFlightAndTheSameCommandResumes) {
  const int n = data_.questions_for(100);
  // With the profiles' latencies (about 2 s per question) and one question
  // in flight, the run lasts a minute or more: the interrupt, sent once the
  // first cells are stored (or after 15 s), always arrives before its end.
  std::unique_ptr<ChildProcess> sim;
  std::string url = start_sim(sim, "interrupt", {}, 1.0);
  ConfigSpec spec = config_spec("interrupted.db", n);
  spec.window = 1;
  write_text(dir_ / "interrupted.toml", config_text(spec));
  ChildProcess runner({kBinary, "run", (dir_ / "interrupted.toml").string()},
                      dir_ / "interrupted.out", {"PRIVQA_SIM_URL=" + url});
  // Interrupt once the first cells are stored (the run is then past start-up).
  for (int i = 0; i < 300; ++i) {
    if (std::filesystem::exists(dir_ / "interrupted.db") &&
        !read_jsonl(run_command(kBinary + " export " + (dir_ / "interrupted.db").string()).out)
             .empty()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Meanwhile a second run of the same store is refused at once, naming the
  // first; reading the store needs no claim.
  const auto second = run_command(privqa_run(url, dir_ / "interrupted.toml"));
  EXPECT_EQ(second.exit_code, 1) << second.out << second.err;
  EXPECT_NE(second.err.find("another privqa run (pid " + std::to_string(runner.pid()) + " on "),
            std::string::npos)
      << second.err;
  EXPECT_EQ(run_command(kBinary + " status " + (dir_ / "interrupted.db").string()).exit_code, 0);
  runner.signal(SIGINT);
  const int code = runner.wait();
  const std::string out = slurp(dir_ / "interrupted.out");
  ASSERT_NE(code, 0) << "the run finished before the interrupt arrived\n" << out;
  EXPECT_EQ(code, 130) << out;
  EXPECT_NE(out.find("run the same command again to resume"), std::string::npos) << out;
  const size_t stored = read_jsonl(export_of(dir_ / "interrupted.db")).size();
  EXPECT_GT(stored, 0u);
  EXPECT_LT(stored, n * 12u);

  // The resume needs no latency: the same simulator without it, on the same
  // port (responses are cached by provider URL).
  sim.reset();
  url = start_sim(sim, "resume", {"--port", port_of(url)});
  const auto resumed = run_command(privqa_run(url, dir_ / "interrupted.toml"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_NE(resumed.out.find(std::to_string(stored) + " already done"), std::string::npos)
      << resumed.out;
  EXPECT_EQ(read_jsonl(export_of(dir_ / "interrupted.db")).size(), n * 12u);
  sim.reset();

  // Two questions, all their cells under way at once (the window holds
  // both), about 2 s each: an interrupt at the first request stops nothing,
  // so the run finishes as complete, not interrupted.
  url = start_sim(sim, "late_interrupt", {}, 1.0);
  ConfigSpec whole = config_spec("whole.db", 2);
  write_text(dir_ / "whole.toml", config_text(whole));
  ChildProcess late({kBinary, "run", (dir_ / "whole.toml").string()}, dir_ / "whole.out",
                    {"PRIVQA_SIM_URL=" + url});
  // (Up to a minute: a loaded machine takes seconds to load MedMCQA and the
  // table, and a signal before the first request would end the start-up.)
  for (int i = 0; i < 3000 && count_lines(dir_ / "late_interrupt.log") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  late.signal(SIGINT);
  const int late_code = late.wait();
  const std::string late_out = slurp(dir_ / "whole.out");
  EXPECT_NE(late_out.find("stopping: finishing the cells in flight"), std::string::npos)
      << late_out;
  EXPECT_EQ(late_code, 0) << late_out;
  EXPECT_EQ(late_out.find("interrupted"), std::string::npos) << late_out;
  EXPECT_EQ(read_jsonl(export_of(dir_ / "whole.db")).size(), 2 * 12u);
}

TEST_P(RunE2E, RemoteNeverSeesTheOriginalInS3AndNothingFromS1) {
  const int n = data_.questions_for(200);
  std::unique_ptr<ChildProcess> sim;
  const std::string url = start_sim(sim, "egress");
  ConfigSpec spec = config_spec("egress.db", n);
  // The counts below are exact: no hedge copy of a request slowed by a
  // loaded machine (it would send the same text again).
  spec.hedge_after = 0;
  write_text(dir_ / "egress.toml", config_text(spec));
  const auto r = run_command(privqa_run(url, dir_ / "egress.toml"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  auto dataset = load_dataset(dev_);
  ASSERT_TRUE(dataset.ok());
  std::map<std::string, const Question*> by_id;
  for (const auto& q : dataset->questions)
    by_id[q.id] = &q;
  ::setenv("PRIVQA_SIM_URL", url.c_str(), 1);  // the config reads it
  const auto config = load_run_config(dir_ / "egress.toml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  // What each stored cell may have sent the remote model: its scenario's
  // remote steps (scenarios.h), rendered from its question and what the cell
  // stored (the sanitized text, the CoT). On the question's text: by
  // scenario. On a sanitized text: every S3 cell's prompt. A word-level
  // mechanism may return a text unchanged (at eps 3 SanText+ keeps a rare
  // word with high probability: Pr(y = x) dominates when every other word is
  // far away); that is the mechanism's output, not a leak of the engine, and
  // it is counted. PhraseDP's filter never returns the original.
  std::map<Scenario, std::set<std::string>> question_prompts;
  std::map<std::string, std::set<std::string>> s3_prompt_questions;
  std::set<std::string> unchanged;  // prompts of S3 cells whose output equals the input
  for (const auto& c : read_jsonl(export_of(dir_ / "egress.db"))) {
    Scenario scenario;
    ASSERT_TRUE(parse_scenario(c["scenario"], scenario)) << c.dump();
    const std::string id = c["question_id"];
    const Question& q = *by_id.at(id);
    const std::string sanitized = c["sanitized"];
    std::string cot;  // the CoT, once a step wrote it
    for (const ScenarioStep& step : steps_of(scenario)) {
      const std::string prompt =
          step_prompt(step, scenario, *config, q, {.sanitized = sanitized, .cot = cot});
      if (step.purpose == CallPurpose::kCot) cot = c["cot"].get<std::string>();
      if (step.model != Role::kRemote) continue;
      if (step.text == StepText::kQuestion) {
        question_prompts[scenario].insert(prompt);
        continue;
      }
      ASSERT_FALSE(sanitized.empty());
      if (sanitized == q.text) {
        EXPECT_NE(c["mechanism"], "phrasedp") << id;
        unchanged.insert(prompt);
        continue;
      }
      s3_prompt_questions[prompt].insert(id);
    }
  }
  EXPECT_EQ(question_prompts.size(), 2u) << "only S2 and S4 show the remote the question";
  const std::set<std::string>& s2_prompts = question_prompts[Scenario::kRemoteCot];
  const std::set<std::string>& s4_prompts = question_prompts[Scenario::kRemote];
  EXPECT_EQ(s2_prompts.size(), size_t(n));
  EXPECT_EQ(s4_prompts.size(), size_t(n));
  size_t s2 = 0, s3 = 0, s4 = 0;
  for (const auto& entry : read_jsonl(slurp(dir_ / "egress.log"))) {
    if (entry.value("model", "") != "sim-remote") continue;
    const std::string prompt = user_message(entry);
    if (s2_prompts.count(prompt)) {
      s2 += unchanged.count(prompt) == 0;
    } else if (s4_prompts.count(prompt)) {
      ++s4;
    } else {
      ++s3;
      const auto it = s3_prompt_questions.find(prompt);
      ASSERT_NE(it, s3_prompt_questions.end())
          << "the remote got a request that is no S2, S3 or S4 prompt:\n"
          << prompt;
      for (const auto& id : it->second) {
        ASSERT_EQ(prompt.find(by_id.at(id)->text), std::string::npos)
            << "an S3 request carried its original question " << id;
      }
    }
  }
  EXPECT_EQ(s2, n - unchanged.size()) << "one remote CoT per question for S2";
  EXPECT_EQ(s4, size_t(n)) << "S4 asks the remote once per question; S1 never does";
  EXPECT_GE(s3, s3_prompt_questions.size()) << "each distinct S3 prompt was sent";
}

TEST_P(RunE2E, SameExportAtConcurrencyOneAnd256) {
  const int n = data_.questions_for(40);
  std::unique_ptr<ChildProcess> sim;
  const std::string url = start_sim(sim, "determinism");
  std::string exports[2];
  int i = 0;
  for (int concurrency : {1, 256}) {
    ConfigSpec spec = config_spec("c" + std::to_string(concurrency) + ".db", n);
    spec.max_in_flight = concurrency;
    spec.window = concurrency;
    spec.cache = "bypass";
    const auto config = dir_ / ("c" + std::to_string(concurrency) + ".toml");
    write_text(config, config_text(spec));
    const auto r = run_command(privqa_run(url, config));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    exports[i++] = export_of(spec.output);
  }
  EXPECT_EQ(read_jsonl(exports[0]).size(), n * 12u);
  EXPECT_EQ(exports[0], exports[1]);
}

// Three shards run as separate processes into stores of their own, then
// merged: the merged store exports exactly what one process running the
// whole config exports. A shard's store resumes only as that shard.
TEST_P(RunE2E, ThreeShardsMergedExportWhatOneRunExports) {
  const int n = data_.questions_for(30);
  std::unique_ptr<ChildProcess> sim;
  const std::string url = start_sim(sim, "shards");
  const ConfigSpec spec = config_spec("whole.db", n);
  const auto config = dir_ / "run.toml";
  write_text(config, config_text(spec));
  auto r = run_command(privqa_run(url, config));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string expected = export_of(spec.output);
  ASSERT_EQ(read_jsonl(expected).size(), n * 12u);

  std::string inputs;
  size_t shard_cells = 0;
  for (int i = 0; i < 3; ++i) {
    const auto store = dir_ / fmt::format("shard{}.db", i);
    r = run_command(privqa_run(url, config) +
                    fmt::format(" --shard {}/3 --output {}", i, store.string()));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const size_t cells = read_jsonl(export_of(store)).size();
    EXPECT_GT(cells, 0u) << "shard " << i;
    EXPECT_LT(cells, n * 12u) << "shard " << i;
    shard_cells += cells;
    inputs += " " + store.string();
  }
  EXPECT_EQ(shard_cells, n * 12u) << "the shards split the cells without overlap";

  const auto shard1 = dir_ / "shard1.db";
  r = run_command(kBinary + " status " + shard1.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(", shard 1/3)"), std::string::npos) << r.out;
  for (const std::string& other :
       {std::string(" --shard 2/3"), std::string(), std::string(" --shard 1/4")}) {
    r = run_command(privqa_run(url, config) + other + " --output " + shard1.string());
    EXPECT_EQ(r.exit_code, 1) << other;
    EXPECT_NE(r.err.find(shard1.string() + ": this store holds shard 1/3, not "), std::string::npos)
        << r.err;
  }

  const auto merged = dir_ / "merged.db";
  r = run_command(kBinary + " merge " + merged.string() + inputs);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(fmt::format("{} cells (0 found in two inputs)", n * 12)), std::string::npos)
      << r.out;
  EXPECT_EQ(export_of(merged), expected);
  r = run_command(kBinary + " status " + merged.string());
  EXPECT_EQ(r.out.find("shard"), std::string::npos) << "the merged store holds the whole run";
  EXPECT_NE(r.out.find(fmt::format("cells: {} of {} stored", n * 12, n * 12)), std::string::npos)
      << r.out;

  // The whole run's store merges with a shard: they hold one run.
  r = run_command(kBinary + " merge " + (dir_ / "again.db").string() + " " + spec.output.string() +
                  " " + shard1.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(export_of(dir_ / "again.db"), expected);
  r = run_command(kBinary + " merge " + merged.string() + inputs);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(merged.string() + ": exists already"), std::string::npos) << r.err;

  // A shard of another config (another seed) is refused, naming it, and
  // the output is not created.
  ConfigSpec other_spec = spec;
  other_spec.output = dir_ / "other.db";
  write_text(dir_ / "other.toml",
             std::regex_replace(config_text(other_spec), std::regex("seed = 7"), "seed = 8"));
  r = run_command(privqa_run(url, dir_ / "other.toml") + " --shard 2/3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_command(kBinary + " merge " + (dir_ / "mixed.db").string() + " " +
                  (dir_ / "shard0.db").string() + " " + (dir_ / "other.db").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find((dir_ / "other.db").string() + ": the run of another config"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "mixed.db"));

  // Without a seed in the config each shard would draw its own.
  write_text(dir_ / "seedless.toml",
             std::regex_replace(config_text(other_spec), std::regex("seed = 7\n"), ""));
  r = run_command(privqa_run(url, dir_ / "seedless.toml") + " --shard 0/3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("seedless.toml: --shard needs a fixed seed"), std::string::npos) << r.err;
  for (const std::string bad : {"3/3", "0/0", "x/2", "1"}) {
    r = run_command(privqa_run(url, config) + " --shard " + bad);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("shard '" + bad + "': "), std::string::npos) << r.err;
  }
}

TEST_P(RunE2E, TenPercentFaultsOfEveryKindLeaveEveryCellAnsweredOrAnError) {
  const int n = data_.questions_for(500);
  std::unique_ptr<ChildProcess> sim;
  // 10% of requests fail, spread over the six kinds of fault.
  const std::string share = "0.0167";
  const std::string url =
      start_sim(sim, "faults",
                {"--fault-429", share, "--fault-500", share, "--fault-503", share, "--fault-reset",
                 share, "--fault-stall", share, "--fault-malformed", share, "--stall-seconds", "6",
                 // An injected 429 pauses its provider for this long; at the default
                 // (1 s), some 200 of them make the run wait minutes.
                 "--fault-retry-after", "0.1"});
  ConfigSpec spec = config_spec("faults.db", n);
  spec.timeout = 2;  // a stall outlasts it
  // Few requests in flight, so that an answered request never waits in the
  // simulator's queue for as long as the timeout on a loaded machine: only
  // the injected stalls time out.
  spec.max_in_flight = 24;
  spec.backoff = 0.05;  // retries soon: the run waits on the faults' chains of retries
  write_text(dir_ / "faults.toml", config_text(spec));
  const auto r = run_command(privqa_run(url, dir_ / "faults.toml"));
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 4) << r.out << r.err;
  const auto cells = read_jsonl(export_of(dir_ / "faults.db"));
  ASSERT_EQ(cells.size(), n * 12u);
  std::set<std::string> keys;
  size_t errors = 0;
  std::map<std::string, size_t> error_kinds;  // shown when there are too many
  for (const auto& c : cells) {
    keys.insert(c["question_id"].get<std::string>() + "|" + c["scenario"].get<std::string>() + "|" +
                c["mechanism"].get<std::string>() + "|" + c["eps"].dump());
    if (c["status"] == "error") {
      ++errors;
      ++error_kinds[c["error"].get<std::string>().substr(0, 120)];
      EXPECT_FALSE(c["error"].get<std::string>().empty());
      EXPECT_EQ(c["answer"], "") << "an error is never scored";
    } else {
      EXPECT_EQ(c["status"], "ok");
    }
  }
  EXPECT_EQ(keys.size(), cells.size()) << "no cell stored twice";
  EXPECT_EQ(r.exit_code, errors > 0 ? 4 : 0) << "cells that ended as errors fail the run";
  // With 6 attempts per call and 10% faults, a call fails for good with
  // probability 1e-6: errors should be (almost) none.
  EXPECT_LE(errors, 2u) << ::testing::PrintToString(error_kinds);
  const auto log = read_jsonl(slurp(dir_ / "faults.log"));
  std::map<std::string, size_t> faults;
  for (const auto& e : log)
    ++faults[e.value("fault", "")];
  for (const char* kind : {"429", "500", "503", "reset", "stall", "malformed"}) {
    EXPECT_GT(faults[kind], 0u) << kind << " was injected";
  }
}

TEST_P(RunE2E, AnExhaustedQuotaPausesTheProviderAndTheSameCommandFinishesTheRun) {
  // The remote account runs dry after 3 of the 11 remote calls per question
  // (S2 and S4 one each, S3 nine).
  const int n = data_.questions_for(50);
  std::unique_ptr<ChildProcess> sim;
  std::string url = start_sim(sim, "dry", {"--quota", "sim-remote=" + std::to_string(3 * n)});
  ConfigSpec spec = config_spec("quota.db", n);
  spec.max_in_flight = 32;
  write_text(dir_ / "quota.toml", config_text(spec));
  const auto paused = run_command(privqa_run(url, dir_ / "quota.toml"));
  EXPECT_EQ(paused.exit_code, 1) << paused.out << paused.err;
  EXPECT_NE(paused.out.find("PAUSED remote"), std::string::npos) << paused.out;
  EXPECT_NE(paused.out.find("exceeded your current quota"), std::string::npos) << paused.out;
  sim.reset();

  // The pause stopped the remote calls: only those in flight (at most 32)
  // when the first refusal came back were refused, not the 8 per question still to make.
  size_t refused = 0;
  for (const auto& e : read_jsonl(slurp(dir_ / "dry.log")))
    refused += e.value("fault", "") == "quota" ? 1 : 0;
  EXPECT_GE(refused, 1u);
  EXPECT_LE(refused, 32u);

  // Cells that needed the remote model were left unrun, not stored as errors.
  const auto first = read_jsonl(export_of(dir_ / "quota.db"));
  EXPECT_LT(first.size(), n * 12u);
  size_t s1 = 0;
  for (const auto& c : first) {
    EXPECT_EQ(c["status"], "ok") << c.dump();
    s1 += c["scenario"] == "S1" ? 1 : 0;
  }
  EXPECT_EQ(s1, size_t(n));  // the local model went on
  const std::set<std::string> done = requests_of_finished_cells(dir_ / "quota.db");

  // With credit again, the same command finishes the run and sends no
  // request of a cell it finished before. (The same port: responses are
  // cached by provider URL.)
  url = start_sim(sim, "topped_up", {"--port", port_of(url)});
  const auto resumed = run_command(privqa_run(url, dir_ / "quota.toml"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  sim.reset();
  const auto cells = read_jsonl(export_of(dir_ / "quota.db"));
  ASSERT_EQ(cells.size(), n * 12u);
  for (const auto& c : cells)
    EXPECT_EQ(c["status"], "ok") << c.dump();
  for (const auto& e : read_jsonl(slurp(dir_ / "topped_up.log")))
    EXPECT_EQ(done.count(request_id(e)), 0u) << "sent again: " << request_id(e);
}

// The same run into a PostgreSQL schema and into a SQLite file: status,
// export and report read the URL as they read the file, with the same
// results.
TEST_P(RunE2E, APostgresqlOutputGivesWhatASqliteOutputGives) {
  PRIVQA_REQUIRE_POSTGRES(server);
  const int n = data_.questions_for(20);
  std::unique_ptr<ChildProcess> sim;
  const std::string url = start_sim(sim, "sim");
  // The file is named as the schema, so that both runs have one label.
  ConfigSpec spec = config_spec("exp_1.db", n);
  write_text(dir_ / "sqlite.toml", config_text(spec));
  const std::string database = server->new_database() + "?schema=exp_1";
  spec.output = database;
  write_text(dir_ / "postgres.toml", config_text(spec));
  for (const char* config : {"sqlite.toml", "postgres.toml"}) {
    const auto r = run_command(privqa_run(url, dir_ / config));
    ASSERT_EQ(r.exit_code, 0) << config << "\n" << r.out << r.err;
  }

  const std::string expected = export_of(dir_ / "exp_1.db");
  ASSERT_EQ(read_jsonl(expected).size(), n * 12u);
  EXPECT_EQ(export_of(database), expected);

  // status: the same counts and accuracy; only the store's name differs.
  const auto from_file = run_command(kBinary + " status " + (dir_ / "exp_1.db").string());
  const auto from_database = run_command(kBinary + " status '" + database + "'");
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  ASSERT_EQ(from_database.exit_code, 0) << from_database.err;
  EXPECT_EQ(from_database.out.rfind("run " + database + " (created ", 0), 0u) << from_database.out;
  const auto after_line = [](const std::string& text, const std::string& start) {
    const size_t at = text.find(start);
    return at == std::string::npos ? std::string() : text.substr(at, text.find('\n', at) - at);
  };
  const std::string cells =
      fmt::format("cells: {} of {} stored (100.0%), 0 of them errors", n * 12, n * 12);
  EXPECT_EQ(after_line(from_database.out, "cells: "), cells);
  EXPECT_EQ(after_line(from_file.out, "cells: "), cells);
  const auto accuracy = [](const std::string& text) { return text.substr(text.find("\n\n")); };
  EXPECT_EQ(accuracy(from_database.out), accuracy(from_file.out));

  // report: the same tables, under the schema's name.
  for (const auto& [store, out] :
       {std::pair{(dir_ / "exp_1.db").string(), "file"}, {database, "database"}}) {
    const auto r = run_command(kBinary + " report --no-privacy --format json '" + store +
                               "' --out " + (dir_ / out).string());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  const auto file_report = nlohmann::json::parse(slurp(dir_ / "file" / "report.json"));
  const auto database_report = nlohmann::json::parse(slurp(dir_ / "database" / "report.json"));
  EXPECT_EQ(database_report["runs"][0]["label"], "exp_1");
  EXPECT_EQ(database_report["runs"][0]["store"], database);
  EXPECT_EQ(database_report["tables"]["accuracy"], file_report["tables"]["accuracy"]);
}

// Four workers on one PostgreSQL store, killed one at a time six times
// (each restarted at once) and then all at once: the workers that follow
// take over the killed ones' questions when their leases expire, and the
// store ends up with what one uninterrupted SQLite run stores.
TEST_P(RunE2E, FourWorkersKilledAtRandomFinishWhatOneRunFinishes) {
  PRIVQA_REQUIRE_POSTGRES(server);
  const int n = data_.questions_for(300);
  // Simulated latency and small windows make the workers' run last long
  // enough for the kills to land inside it; the reference run has as many
  // questions in flight as the four workers together. (The results do not
  // depend on the window.)
  const int window = n < 300 ? 1 : 4;
  std::unique_ptr<ChildProcess> sim;
  const std::string url = start_sim(sim, "sim", {}, kShortRunTimeScale);
  ConfigSpec spec = config_spec("reference.db", n);
  spec.window = 4 * window;
  double seconds = 0;
  const std::string expected = reference_run(url, spec, seconds);
  ASSERT_EQ(read_jsonl(expected).size(), n * 12u);
  spec.window = window;

  const std::string database = server->new_database() + "?schema=workers";
  spec.output = database;
  spec.lease_seconds = 3;  // the shortest lease a heartbeat a second keeps
  write_text(dir_ / "workers.toml", config_text(spec));
  std::vector<std::unique_ptr<ChildProcess>> workers(4);
  int started = 0;
  const auto start = [&](size_t w) {
    workers[w] = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBinary, "run", "--quiet", (dir_ / "workers.toml").string()},
        dir_ / fmt::format("worker{}.out", started++),
        std::vector<std::string>{"PRIVQA_SIM_URL=" + url});
  };
  for (size_t w = 0; w < workers.size(); ++w)
    start(w);

  // After each kill: the store's cells, then the
  // simulator's log length. Every later request must be another cell's.
  // (Requests in flight at a kill may be sent again.) The requests of the
  // cells are worked out after the run: the workers go on meanwhile.
  std::vector<std::vector<CellResult>> finished_cells;
  std::vector<size_t> segment_ends;
  const auto snapshot = [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the simulator logs what it got
    finished_cells.push_back(stored(database));
    segment_ends.push_back(count_lines(dir_ / "sim.log"));
  };
  // The kills land at shares of the run's cells, not at moments, so that a
  // slow machine or a slow start does not move them past its end: six
  // single kills between 5% and 60% stored, all at once at 70%.
  // Bounded, so that workers that stopped storing fail the test instead of
  // hanging it.
  const auto wait_for_share = [&](double share) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(10 * seconds + 60);
    while (stored_cells(database) < share * n * 12) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "the workers stopped short of " << share * 100 << "% of the cells";
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  std::mt19937_64 rng(20261203);  // fixed: the kill shares are reproducible
  std::uniform_real_distribution<double> share(0.05, 0.60);
  std::vector<double> shares(6);
  for (double& s : shares)
    s = share(rng);
  std::sort(shares.begin(), shares.end());
  std::uniform_int_distribution<size_t> pick(0, workers.size() - 1);
  int killed_running = 0;
  for (double s : shares) {
    wait_for_share(s);
    const size_t w = pick(rng);
    workers[w]->signal(SIGKILL);
    killed_running += workers[w]->wait() == 128 + SIGKILL;
    snapshot();
    start(w);
  }
  wait_for_share(0.70);
  for (auto& worker : workers) {
    worker->signal(SIGKILL);
    killed_running += worker->wait() == 128 + SIGKILL;
  }
  snapshot();
  ASSERT_LT(stored_cells(database), n * 12u) << "the last kill landed inside the run";
  EXPECT_EQ(killed_running, 10) << "every kill hit a running worker";
  for (size_t w = 0; w < workers.size(); ++w)
    start(w);
  for (size_t w = 0; w < workers.size(); ++w) {
    EXPECT_EQ(workers[w]->wait(), 0) << slurp(dir_ / fmt::format("worker{}.out", started - 4 + w));
  }
  EXPECT_EQ(export_of(database), expected);

  // A request of a finished cell that another cell, unfinished then, makes
  // too (e.g. the same answer prompt after the same CoT at two eps) may be
  // sent again by a worker that looked in the shared cache before it was
  // stored there: only requests of finished cells alone are checked.
  std::map<std::string, std::set<std::string>> cells_of_request = request_cells(database);
  const auto log = read_jsonl(slurp(dir_ / "sim.log"));
  size_t repeated = 0, checked = 0;
  for (size_t kill = 0; kill < finished_cells.size(); ++kill) {
    std::set<std::string> only_finished;
    for (const auto& [request, cells] : request_cells_of(finished_cells[kill])) {
      if (std::includes(cells.begin(), cells.end(), cells_of_request[request].begin(),
                        cells_of_request[request].end())) {
        only_finished.insert(request);
      }
    }
    checked += only_finished.size();
    for (size_t i = segment_ends[kill]; i < log.size(); ++i)
      repeated += only_finished.count(request_id(log[i])) != 0;
  }
  EXPECT_GT(checked, 0u);
  EXPECT_EQ(repeated, 0u);

  // Every worker's session is recorded under its own id (a worker killed
  // while starting may have none); the last four ended, the killed ones did
  // not. Each cell is stored once (the table's key), so the cells the
  // sessions stored add up to at most n * 12 (a killed one loses its last
  // second's counts).
  auto store = open_store(database, /*read_only=*/true);
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto sessions = (*store)->sessions();
  ASSERT_TRUE(sessions.ok()) << sessions.error().message();
  ASSERT_GE(sessions->size(), 4u);
  ASSERT_LE(sessions->size(), 14u);
  std::set<std::string> ids;
  int64_t stored = 0;
  for (const SessionRecord& s : *sessions) {
    ids.insert(s.worker);
    stored += s.cells_ok + s.cells_error;
  }
  EXPECT_EQ(ids.size(), sessions->size());
  EXPECT_EQ(ids.count(""), 0u);
  EXPECT_LE(stored, n * 12);
  for (size_t i = sessions->size() - 4; i < sessions->size(); ++i)
    EXPECT_TRUE((*sessions)[i].ended);
  auto workers_seen = read_workers(database);
  ASSERT_TRUE(workers_seen.ok());
  size_t lost = 0;
  for (const WorkerRecord& w : *workers_seen)
    lost += !w.ended;
  EXPECT_GE(lost, 1u);
  EXPECT_LE(lost, 10u) << "only the killed workers did not end";
  EXPECT_EQ(workers_seen->size() - lost, 4u) << "the last four ended";

  // status lists them: the killed ones lost, the others ended, with the
  // cells their sessions stored.
  const auto status = run_command(kBinary + " status '" + database + "'");
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find(fmt::format("workers: 0 live, {} lost (stopped without ending), {} "
                                        "ended\n",
                                        lost, workers_seen->size() - lost)),
            std::string::npos)
      << status.out;
  for (const WorkerRecord& w : *workers_seen) {
    const size_t at = status.out.find("  " + w.id + " ");
    ASSERT_NE(at, std::string::npos) << status.out;
    const std::string line = status.out.substr(at, status.out.find('\n', at) - at);
    EXPECT_NE(line.find(w.ended ? " ended " : " lost "), std::string::npos) << line;
  }
  const SessionRecord& last = sessions->back();
  EXPECT_NE(status.out.find(fmt::format("  {} ", last.worker)), std::string::npos);
  EXPECT_NE(status.out.find(fmt::format("{} cells ({} errors), {} questions taken over",
                                        last.cells_ok + last.cells_error, last.cells_error,
                                        last.reclaimed)),
            std::string::npos)
      << status.out;
}

// The database restarts under a running worker: the worker waits for it,
// says so, and goes on; the run ends with what an uninterrupted run stores.
TEST_P(RunE2E, ADatabaseRestartedMidRunLosesNothingAndTheRunGoesOn) {
  std::string why_not;
  auto server = testing::PostgresServer::start_private(why_not);
  if (server == nullptr) GTEST_SKIP() << "no PostgreSQL server for this test: " << why_not;
  const int n = data_.questions_for(100);
  std::unique_ptr<ChildProcess> sim;
  const std::string url = start_sim(sim, "sim", {}, kShortRunTimeScale);
  ConfigSpec spec = config_spec("reference.db", n);
  spec.window = 4;  // long enough a run to restart the server inside it
  double seconds = 0;
  const std::string expected = reference_run(url, spec, seconds);
  ASSERT_EQ(read_jsonl(expected).size(), n * 12u);

  const std::string database = server->new_database() + "?schema=restarted&reconnect_seconds=60";
  spec.output = database;
  write_text(dir_ / "restarted.toml", config_text(spec));
  ChildProcess worker({kBinary, "run", "--quiet", (dir_ / "restarted.toml").string()},
                      dir_ / "worker.out", {"PRIVQA_SIM_URL=" + url});
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(10 * seconds + 60);
  while (stored_cells(database) < n * 12u / 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(server->stop_for_now());
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ASSERT_TRUE(server->start_again());
  EXPECT_EQ(worker.wait(), 0) << slurp(dir_ / "worker.out");
  const std::string said = slurp(dir_ / "worker.out");
  EXPECT_NE(said.find(database + ": the connection to the database was lost ("), std::string::npos)
      << said;
  EXPECT_NE(said.find(database + ": reconnected after "), std::string::npos) << said;
  EXPECT_EQ(export_of(database), expected);
}

PRIVQA_INSTANTIATE_ENGINE_DATA(RunE2E);

// A provider's rpm is the account's: four workers on one store stay within
// it together, in every minute, and use it; when one is killed and another
// joins, the others' shares follow within seconds.
TEST(RunCli, FourWorkersShareTheRemoteRpmAndUseIt) {
  PRIVQA_REQUIRE_SHARED_DATA(dev, "medmcqa/dev.json");
  PRIVQA_REQUIRE_POSTGRES(server);
  TempDir dir;
  std::unique_ptr<ChildProcess> sim;
  const std::string url = start_unlimited_logged_sim(sim, dev, "3", dir.path());
  ASSERT_FALSE(url.empty()) << slurp(dir.path() / "sim.out");
  constexpr double kRpm = 600;
  ConfigSpec spec;
  spec.dataset = dev;
  spec.embeddings = dir.path() / "unused.json";  // no mechanism runs
  spec.output = server->new_database() + "?schema=shared";
  spec.first = 420;  // two remote calls each (S2's CoT, S4's answer): 84 s at 600 rpm
  spec.scenarios = R"(["S2", "S4"])";
  spec.window = 16;
  spec.lease_seconds = 3;
  spec.remote_rpm = kRpm;
  write_text(dir.path() / "run.toml", config_text(spec));
  std::vector<std::unique_ptr<ChildProcess>> workers;
  const auto start = [&] {
    workers.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{kBinary, "run", "--quiet", (dir.path() / "run.toml").string()},
        dir.path() / fmt::format("worker{}.out", workers.size()),
        std::vector<std::string>{"PRIVQA_SIM_URL=" + url}));
  };
  for (int w = 0; w < 4; ++w)
    start();
  std::this_thread::sleep_for(std::chrono::seconds(20));
  workers[0]->signal(SIGKILL);
  EXPECT_EQ(workers[0]->wait(), 128 + SIGKILL);
  std::this_thread::sleep_for(std::chrono::seconds(10));
  start();
  for (size_t w = 1; w < workers.size(); ++w)
    EXPECT_EQ(workers[w]->wait(), 0) << slurp(dir.path() / fmt::format("worker{}.out", w));
  const auto exported = run_command(kBinary + " export '" + spec.output.string() + "'");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  ASSERT_EQ(read_jsonl(exported.out).size(), 420u * 2);

  // The remote model's arrivals, in the simulator's seconds.
  std::vector<double> arrivals;
  for (const auto& entry : read_jsonl(slurp(dir.path() / "sim.log"))) {
    if (entry.value("model", "") == "sim-remote") arrivals.push_back(entry.value("time", 0.0));
  }
  std::sort(arrivals.begin(), arrivals.end());
  ASSERT_GE(arrivals.size(), 840u);
  const auto in_window = [&](double from) {
    return std::lower_bound(arrivals.begin(), arrivals.end(), from + 60) -
           std::lower_bound(arrivals.begin(), arrivals.end(), from);
  };
  // Within the limit: every 60 s window, wherever it starts, holds at most a
  // minute's requests plus one second's (the workers' buckets start full,
  // and a joining worker's share overlaps the others' for up to a second).
  // Used: every window inside the run, once the opening second is past and
  // before the last questions, holds at least 90% of the minute's.
  const double first = arrivals.front(), last = arrivals.back();
  ASSERT_GE(last - first, 70.0) << "the run lasts beyond a minute";
  long most = 0, least = 1 << 30;
  for (double from = first - 1; from <= last; from += 0.25)
    most = std::max<long>(most, in_window(from));
  for (double from = first + 1; from + 60 <= last - 2; from += 0.25)
    least = std::min<long>(least, in_window(from));
  EXPECT_LE(most, kRpm + kRpm / 60);
  EXPECT_GE(least, 0.9 * kRpm);
  std::cerr << "remote arrivals per 60 s window: most " << most << ", least " << least << "\n";
}

// A config with a mistake is invalid input (exit 2), refused before the
// store file exists, with the file and line of the mistake: a typo must not
// leave behind a store that then refuses the corrected config.
TEST(RunCli, ConfigMistakesAreRefusedBeforeTheStoreIsCreated) {
  const testing::EngineData data = testing::sample_engine_data();
  TempDir dir;
  const std::filesystem::path config = dir / "run.toml";
  const std::filesystem::path store = dir / "run.db";
  // Line 7 holds the mechanisms, line 8 the epsilons, line 10 the remote
  // model and line 19 the [mechanism.inferdpt] table.
  auto text = [&](const std::string& mechanisms, const std::string& epsilons,
                  const std::string& remote, const std::string& inferdpt_noise) {
    return "[dataset]\npath = \"" + data.questions.string() + "\"\n[experiment]\noutput = \"" +
           store.string() + "\"\nembeddings = \"" + data.embeddings.string() +
           "\"\nscenarios = [\"S1\", \"S3\"]\nmechanisms = " + mechanisms +
           "\nepsilons = " + epsilons + "\nlocal = \"local\"\nremote = \"" + remote +
           "\"\n[providers.local]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\n"
           "max_attempts = 1\n[providers.remote]\nbase_url = \"http://127.0.0.1:9/v1\"\n"
           "model = \"n\"\nmax_attempts = 1\n[mechanism.inferdpt]\nnoise = \"" +
           inferdpt_noise + "\"\n";
  };
  const std::string good_mechanisms = R"(["inferdpt", "santext+"])";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {text(R"(["inferdpt", "santext++"])", "[1.0]", "remote", "laplace"),
       "run.toml:7: unknown mechanism 'santext++'"},
      {text(good_mechanisms, "[1.0, 1.0]", "remote", "laplace"),
       "run.toml:8: experiment.epsilons: eps 1 is listed twice"},
      {text(R"(["inferdpt", "inferdpt"])", "[1.0]", "remote", "laplace"),
       "run.toml:7: experiment.mechanisms: 'inferdpt' is listed twice"},
      {text(good_mechanisms, "[1.0]", "local", "laplace"),
       "run.toml:10: experiment.remote: must name another provider than local"},
      {text(good_mechanisms, "[1.0]", "remote", "cauchy"), "run.toml:19: "},
      // A label that is no mechanism's name needs its kind; PhraseDP's
      // encoder (line 21) sees the original question: never the remote model.
      {text(R"(["inferdpt", "phrasedp2"])", "[1.0]", "remote", "laplace"),
       "run.toml:7: unknown mechanism 'phrasedp2' (known: santext, santext+, custext, custext+, "
       "inferdpt, tem, cmp, mahalanobis, vickrey, phrasedp, dpprompt); a mechanism of a known "
       "kind under another name says which in "
       "its table: [mechanism.phrasedp2] mechanism = \"KIND\""},
      {text(R"(["inferdpt", "phrasedp"])", "[1.0]", "remote", "laplace") +
           "[mechanism.phrasedp]\nencoder = \"remote\"\n",
       "run.toml:21: phrasedp: encoder 'remote' is the remote model"},
      {text(R"(["inferdpt", "phrasedp"])", "[1.0]", "remote", "laplace") +
           "[mechanism.phrasedp]\nencoder = \"nowhere\"\n",
       "run.toml:21: phrasedp: encoder 'nowhere' names no [providers.NAME] table"},
  };
  for (const auto& [config_text, message] : cases) {
    write_text(config, config_text);
    const auto r = run_command(kBinary + " run --quiet " + config.string());
    EXPECT_EQ(r.exit_code, 2) << message << "\n" << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(store)) << message;
  }
  // The same config without the mistake creates its store; its cells then
  // fail on the closed port, and a run with cells that ended as errors
  // exits 4.
  write_text(config, text(good_mechanisms, "[1.0]", "remote", "laplace"));
  const auto r = run_command(kBinary + " run --quiet --limit 1 " + config.string());
  EXPECT_TRUE(std::filesystem::exists(store));
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.out.find("3 cells ended as errors"), std::string::npos) << r.out;
}

// A server that quotes the key it was sent in its 401 (the simulator with
// --api-key-env does): the key reaches no file, output, export or report;
// the error says where it was.
TEST(RunCli, AKeyTheServerQuotesBackIsRedactedEverywhere) {
  const testing::EngineData data = testing::sample_engine_data();
  TempDir dir;
  const std::string wrong_key = "sk-privqa-ECHOED-4d2b8e61f0";
  ASSERT_EQ(setenv("PRIVQA_TEST_SIM_KEY", "sk-the-right-one", 1), 0);
  std::unique_ptr<ChildProcess> sim;
  const std::string url = testing::start_sim_server(
      sim, kBinary,
      {"--dataset", data.questions.string(), "--time-scale", "0", "--api-key-env",
       "PRIVQA_TEST_SIM_KEY", "--log", (dir / "sim.log").string()},
      dir / "sim.out");
  unsetenv("PRIVQA_TEST_SIM_KEY");
  ASSERT_FALSE(url.empty()) << slurp(dir / "sim.out");
  const std::filesystem::path store = dir / "run.db";
  write_text(dir / "run.toml",
             "[dataset]\npath = \"" + data.questions.string() + "\"\n[experiment]\noutput = \"" +
                 store.string() +
                 "\"\nscenarios = [\"S1\", \"S2\", \"S4\"]\n"
                 "local = \"local\"\nremote = \"remote\"\n[providers.local]\nbase_url = \"" +
                 url + "\"\nmodel = \"sim-local\"\napi_key_env = \"PRIVQA_TEST_RIGHT_KEY\"\n" +
                 "[providers.remote]\nbase_url = \"" + url +
                 "\"\nmodel = \"sim-remote\"\napi_key_env = \"PRIVQA_TEST_WRONG_KEY\"\n");
  const std::string keys =
      "PRIVQA_TEST_RIGHT_KEY=sk-the-right-one PRIVQA_TEST_WRONG_KEY=" + wrong_key + " ";
  const auto run = run_command(keys + kBinary + " run --limit 2 " + (dir / "run.toml").string());
  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  const auto exported = run_command(kBinary + " export " + store.string());
  const auto status = run_command(kBinary + " status " + store.string());
  const auto report = run_command(kBinary + " report --no-privacy --out " +
                                  (dir / "report").string() + " " + store.string());
  EXPECT_EQ(report.exit_code, 0) << report.err;
  sim.reset();

  // The wrong key was sent and refused; the refusals were stored as errors.
  size_t refused = 0;
  for (const auto& e : read_jsonl(slurp(dir / "sim.log")))
    refused += e.value("fault", "") == "unauthorized" ? 1 : 0;
  EXPECT_EQ(refused, 4u) << "S2 and S4 of two questions, each refused once";
  EXPECT_NE(exported.out.find("Incorrect API key provided: [redacted]"), std::string::npos)
      << exported.out;
  for (const auto& [what, text] : {std::pair{"run", run.out + run.err},
                                   {"export", exported.out + exported.err},
                                   {"status", status.out + status.err},
                                   {"report", report.out + report.err}}) {
    EXPECT_EQ(text.find("ECHOED"), std::string::npos) << what << ":\n" << text;
  }
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    if (!entry.is_regular_file() || entry.path().filename() == "sim.log") continue;
    EXPECT_EQ(slurp(entry.path()).find("ECHOED"), std::string::npos) << entry.path();
    ++files;
  }
  EXPECT_GE(files, 4u);  // config, store, response cache, report
}

// A provider failing every request: a run costs the first attempts, a few
// retries and a probe or two per provider, not six attempts a call; then it
// gives the providers up, leaves the cells for a later run and exits 1.
TEST(RunCli, ADeadProviderIsGivenUpAfterGiveUpAfterWithAFewProbes) {
  const testing::EngineData data = testing::sample_engine_data();
  TempDir dir;
  std::unique_ptr<ChildProcess> sim;
  const std::string url =
      testing::start_sim_server(sim, kBinary,
                                {"--dataset", data.questions.string(), "--time-scale", "0",
                                 "--fault-500", "1", "--log", (dir / "sim.log").string()},
                                dir / "sim.out");
  ASSERT_FALSE(url.empty()) << slurp(dir / "sim.out");
  const std::filesystem::path store = dir / "run.db";
  std::string config = "[dataset]\npath = \"" + data.questions.string() +
                       "\"\n[experiment]\noutput = \"" + store.string() +
                       "\"\nscenarios = [\"S1\", \"S2\", \"S4\"]\nlocal = \"local\"\n"
                       "remote = \"remote\"\n";
  for (const char* name : {"local", "remote"}) {
    config += std::string("[providers.") + name + "]\nbase_url = \"" + url + "\"\nmodel = \"sim-" +
              name + "\"\ngive_up_after = 2\n";
  }
  write_text(dir / "run.toml", config);
  const auto run = run_command(kBinary + " run --limit 20 " + (dir / "run.toml").string());
  sim.reset();
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  for (const char* name : {"local", "remote"}) {
    EXPECT_NE(run.out.find(std::string("PAUSED ") + name + ": provider " + name +
                           " failed every attempt for "),
              std::string::npos)
        << run.out;
    EXPECT_NE(
        run.out.find(std::string(" s (give_up_after); the last failure: ") + name + ": HTTP 500"),
        std::string::npos)
        << run.out;
  }
  EXPECT_EQ(read_jsonl(run_command(kBinary + " export " + store.string()).out).size(), 0u)
      << "no cell is stored as an error: all wait for a later run";
  // 20 questions: 20 first calls to the local model (S1, and S2's answer
  // only after its CoT) and 40 to the remote (S2's CoT, S4), at most 7
  // retries each before the breaker opens, and one probe each after 1 s
  // (the next would be due at 3 s, past the 2 s deadline).
  std::map<std::string, size_t> requests;
  for (const auto& e : read_jsonl(slurp(dir / "sim.log")))
    ++requests[e.value("model", "")];
  EXPECT_LE(requests["sim-local"], 20u + 7 + 1);
  EXPECT_LE(requests["sim-remote"], 40u + 7 + 1);
}

// The local model as three replicas: two simulators and a port where
// nothing listens. Every cell is answered; the dead replica fails a few
// attempts and is taken out; the run summary and the progress line show
// each replica's requests, as the simulators' logs count them.
TEST(RunCli, ALocalModelOnThreeReplicasAnswersEveryCellWithOneOfThemDown) {
  const testing::EngineData data = testing::sample_engine_data();
  TempDir dir, other;
  std::unique_ptr<ChildProcess> first, second, closed;
  std::filesystem::create_directories(dir / "closed");
  const std::string url = start_unlimited_logged_sim(first, data.questions, "3", dir.path());
  const std::string url2 = start_unlimited_logged_sim(second, data.questions, "4", other.path());
  const std::string dead = start_unlimited_logged_sim(closed, data.questions, "5", dir / "closed");
  ASSERT_FALSE(url.empty() || url2.empty() || dead.empty()) << slurp(dir / "sim.out");
  closed.reset();  // nothing listens there now
  const std::filesystem::path store = dir / "run.db";
  write_text(
      dir / "run.toml",
      "[dataset]\npath = \"" + data.questions.string() + "\"\n[experiment]\noutput = \"" +
          store.string() +
          "\"\nscenarios = [\"S1\", \"S2\", \"S4\"]\nlocal = \"local\"\nremote = "
          "\"remote\"\n[providers.local]\nbase_urls = [\"" +
          url + "\", \"" + dead + "\", { url = \"" + url2 +
          "\", max_in_flight = 4 }]\nmodel = \"sim-local\"\n[providers.remote]\nbase_url = \"" +
          url + "\"\nmodel = \"sim-remote\"\n");
  const auto run = run_command(kBinary + " run --limit 20 " + (dir / "run.toml").string());
  first.reset();
  second.reset();
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto cells = read_jsonl(run_command(kBinary + " export " + store.string()).out);
  EXPECT_EQ(cells.size(), 60u);
  for (const auto& c : cells)
    EXPECT_EQ(c["status"], "ok") << c.dump();
  // Each replica's local-model requests, from its simulator's log.
  size_t at_first = 0, at_second = 0;
  for (const auto& e : read_jsonl(slurp(dir / "sim.log")))
    at_first += e.value("model", "") == "sim-local";
  for (const auto& e : read_jsonl(slurp(other / "sim.log")))
    at_second += e.value("model", "") == "sim-local";
  EXPECT_GT(at_first, 0u);
  EXPECT_GT(at_second, 0u);
  // S1 and S2's answer: 40 calls, each answered once (the simulator
  // injects no faults), whichever replica took it.
  EXPECT_EQ(at_first + at_second, 40u);
  const std::string summary = fmt::format("replicas 1: {} req; 2: ", at_first);
  const size_t at = run.out.find(summary);
  ASSERT_NE(at, std::string::npos) << run.out;
  EXPECT_NE(run.out.find(fmt::format(" failed, out; 3: {} req\n", at_second), at),
            std::string::npos)
      << run.out;
  EXPECT_NE((run.out + run.err).find("(" + summary), std::string::npos) << run.out << run.err;
  // status reads them back from the session record: the same counts, the
  // dead replica's failures and its removal.
  const auto status = run_command(kBinary + " status " + store.string());
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find(fmt::format(
                "    replica {}: {} requests, 0 failed, taken out 0 times\n", url, at_first)),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find(fmt::format(
                "    replica {}: {} requests, 0 failed, taken out 0 times\n", url2, at_second)),
            std::string::npos)
      << status.out;
  const size_t dead_line = status.out.find("    replica " + dead + ": ");
  ASSERT_NE(dead_line, std::string::npos) << status.out;
  EXPECT_NE(status.out.find(" failed, taken out 1 times\n", dead_line), std::string::npos)
      << status.out;
}

// PhraseDP under two encoders on the same candidates: SIF, and a provider's
// /v1/embeddings endpoint (the simulator's sim-embed model). Each provider
// selection recorded per cell equals the one recomputed from the simulator's
// vectors; the question and its candidates are embedded in one request, once
// per question, and a resumed run finds them in the cache; the report shows
// both mechanisms side by side and names their encoders.
TEST(RunCli, PhraseDpScoresWithAProviderEncoderInOneCachedRequestPerQuestion) {
  const testing::EngineData data = testing::sample_engine_data();
  TempDir dir;
  std::unique_ptr<ChildProcess> sim;
  const std::string url = start_unlimited_logged_sim(sim, data.questions, "3", dir.path());
  ASSERT_FALSE(url.empty()) << slurp(dir / "sim.out");
  constexpr size_t kDims = 64;
  ConfigSpec spec;
  spec.dataset = data.questions;
  spec.embeddings = data.embeddings;
  spec.output = dir / "run.db";
  spec.mechanisms = R"(["phrasedp", "phrasedp-minilm"])";
  const std::string config_text_with_encoder =
      config_text(spec) +
      "\n[providers.embed]\nbase_url = \"${PRIVQA_SIM_URL}\"\nmodel = \"sim-embed\"\n"
      "extra_body = { dimensions = " +
      std::to_string(kDims) +
      " }\n"
      "\n[mechanism.phrasedp-minilm]\nmechanism = \"phrasedp\"\nencoder = \"embed\"\n";
  write_text(dir / "run.toml", config_text_with_encoder);
  const auto run = run_command("PRIVQA_SIM_URL=" + url + " " + kBinary + " run --quiet " +
                               (dir / "run.toml").string());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

  auto dataset = load_dataset(data.questions);
  ASSERT_TRUE(dataset.ok());
  std::map<std::string, std::string> text_of;
  for (const auto& q : dataset->questions)
    text_of[q.id] = q.text;
  auto s3_cells = [&]() {
    const auto r = run_command(kBinary + " export --no-timing --details " + spec.output.string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, nlohmann::json> out;  // by mechanism|question|eps
    for (auto& c : read_jsonl(r.out)) {
      if (c["scenario"] != "S3") continue;
      c.erase("finished_at");
      c["details"].erase("calls");  // seconds and cache flags differ on resume
      out[c["mechanism"].get<std::string>() + "|" + c["question_id"].get<std::string>() + "|" +
          c["eps"].dump()] = c;
    }
    return out;
  };
  const auto first = s3_cells();
  ASSERT_EQ(first.size(), 2 * 3 * text_of.size());
  size_t checked = 0;
  for (const auto& [key, c] : first) {
    ASSERT_EQ(c["status"], "ok") << c.dump();
    const nlohmann::json& m = c["details"]["mechanism"];
    const auto candidates = m["candidates"].get<std::vector<std::string>>();
    const auto similarities = m["similarities"].get<std::vector<double>>();
    const auto probabilities = m["probabilities"].get<std::vector<double>>();
    ASSERT_EQ(similarities.size(), candidates.size());
    EXPECT_EQ(c["sanitized"], candidates.at(m["selected"].get<size_t>()));
    const std::string other =
        (c["mechanism"] == "phrasedp" ? "phrasedp-minilm" : "phrasedp") + key.substr(key.find('|'));
    EXPECT_EQ(first.at(other)["details"]["mechanism"]["candidates"], m["candidates"])
        << "both select among the same candidates";
    if (c["mechanism"] == "phrasedp") {
      EXPECT_EQ(m["encoder"], "sif");
      continue;
    }
    // The similarities from the simulator's vectors, the probabilities from
    // the original scoring rule Pr(i) ∝ exp(-eps (1 - u_i)).
    EXPECT_EQ(m["encoder"], "embed (sim-embed)");
    const auto original = sim::hashed_embedding(text_of.at(c["question_id"]), kDims);
    std::vector<double> expected(candidates.size());
    double total = 0;
    for (size_t i = 0; i < candidates.size(); ++i) {
      const double u = cosine_similarity(original, sim::hashed_embedding(candidates[i], kDims));
      EXPECT_NEAR(similarities[i], u, 1e-6) << key << " candidate " << i;
      expected[i] = std::exp(-c["eps"].get<double>() * (1 - u));
      total += expected[i];
    }
    for (size_t i = 0; i < candidates.size(); ++i)
      EXPECT_NEAR(probabilities[i], expected[i] / total, 1e-6) << key << " candidate " << i;
    ++checked;
  }
  EXPECT_EQ(checked, 3 * text_of.size());

  // One embeddings request per question: the question, then its candidates.
  auto embedding_requests = [&]() {
    std::vector<nlohmann::json> out;
    for (const auto& e : read_jsonl(slurp(dir / "sim.log"))) {
      if (e["path"] == "/v1/embeddings") out.push_back(e);
    }
    return out;
  };
  const auto requests = embedding_requests();
  ASSERT_EQ(requests.size(), text_of.size());
  for (const auto& e : requests) {
    EXPECT_EQ(e["model"], "sim-embed");
    EXPECT_EQ(e["body"]["dimensions"], kDims);
    const auto inputs = e["body"]["input"].get<std::vector<std::string>>();
    const std::string key = "phrasedp-minilm|" +
                            std::find_if(text_of.begin(), text_of.end(),
                                         [&](const auto& q) { return q.second == inputs.at(0); })
                                ->first +
                            "|1.0";
    ASSERT_TRUE(first.count(key)) << key;
    EXPECT_EQ(std::vector<std::string>(inputs.begin() + 1, inputs.end()),
              first.at(key)["details"]["mechanism"]["candidates"].get<std::vector<std::string>>());
  }

  // Resumed without the S3 cells: candidates and vectors come from the
  // cache, and the same selections are made again.
  {
    auto db = sqlite::Database::open(spec.output, sqlite::OpenMode::kReadWrite);
    ASSERT_TRUE(db.ok()) << db.error().message();
    ASSERT_TRUE(db->exec("DELETE FROM cells WHERE scenario = 'S3'", "drop S3").ok());
  }
  const size_t log_lines = count_lines(dir / "sim.log");
  const auto resumed = run_command("PRIVQA_SIM_URL=" + url + " " + kBinary + " run --quiet " +
                                   (dir / "run.toml").string());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(count_lines(dir / "sim.log"), log_lines)
      << "paraphrases, vectors and the calls after them come from the cache";
  EXPECT_EQ(s3_cells(), first);

  // The report: both selections' accuracy, and which encoder scored each.
  const auto report = run_command(kBinary + " report " + spec.output.string() + " --out " +
                                  (dir / "report").string());
  ASSERT_EQ(report.exit_code, 0) << report.out << report.err;
  const std::string md = slurp(dir / "report" / "report.md");
  EXPECT_NE(md.find("phrasedp: SIF, the weighted mean of the embedding table's word vectors; "
                    "phrasedp-minilm: sim-embed at provider embed"),
            std::string::npos)
      << md;
  const std::string accuracy = slurp(dir / "report" / "accuracy.csv");
  for (const char* m : {",phrasedp,", ",phrasedp-minilm,"}) {
    EXPECT_NE(accuracy.find(m), std::string::npos) << m << "\n" << accuracy;
  }
  // Cosine under its own encoder: the mean similarity of the selected
  // candidates, from the cells' records; none for the SIF selection.
  std::map<double, double> selected_sum;
  for (const auto& [key, c] : first) {
    if (c["mechanism"] != "phrasedp-minilm") continue;
    const auto& m = c["details"]["mechanism"];
    selected_sum[c["eps"].get<double>()] +=
        m["similarities"][m["selected"].get<size_t>()].get<double>();
  }
  const auto report_json = nlohmann::json::parse(slurp(dir / "report" / "report.json"));
  size_t rows = 0;
  for (const auto& row : report_json["tables"]["privacy"]) {
    if (row["mechanism"] == "phrasedp") {
      EXPECT_TRUE(row["encoder_cosine"].is_null()) << row;
    }
    if (row["mechanism"] != "phrasedp-minilm") continue;
    EXPECT_NEAR(row["encoder_cosine"].get<double>(),
                selected_sum.at(row["eps"].get<double>()) / static_cast<double>(text_of.size()),
                1e-9);
    ++rows;
  }
  EXPECT_EQ(rows, 3u);
}

// An MMLU-style CSV (no header, answer letter) through a field mapping: the
// simulator reads it with the same --map, the run records the mapping, so
// its report reloads the questions and has the privacy metrics and the
// frontier; a question file changed since is refused on resume and kept out
// of the report's privacy metrics.
TEST(RunCli, ACsvRunRecordsItsMappingAndRefusesAChangedFile) {
  const testing::EngineData data = testing::sample_engine_data();
  TempDir dir;
  const std::filesystem::path questions = dir / "anatomy_test.csv";
  const std::string csv = slurp(testing::fixtures_dir() / "datasets" / "mmlu_anatomy_test.csv");
  write_text(questions, csv);
  const std::string map = "question=1,options=2|3|4|5,answer=6,answer_encoding=letter,header=false";
  std::unique_ptr<ChildProcess> sim;
  const std::string url = testing::start_sim_server(
      sim, kBinary,
      {"--dataset", questions.string(), "--format", "csv", "--map", map, "--time-scale", "0",
       "--profiles", (testing::fixtures_dir() / "sim" / "unlimited.toml").string()},
      dir / "sim.out");
  ASSERT_FALSE(url.empty()) << slurp(dir / "sim.out");
  ConfigSpec spec;
  spec.dataset = questions;
  spec.embeddings = data.embeddings;
  spec.output = dir / "run.db";
  spec.scenarios = R"(["S1", "S2", "S3"])";
  spec.mechanisms = R"(["santext+"])";
  std::string text = config_text(spec);
  text.replace(text.find("\n[experiment]"), 0, "format = \"csv\"\nmap = \"" + map + "\"\n");
  write_text(dir / "run.toml", text);
  const std::string run =
      "PRIVQA_SIM_URL=" + url + " " + kBinary + " run --quiet " + (dir / "run.toml").string();
  const auto first = run_command(run);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;

  const auto report = run_command(kBinary + " report " + spec.output.string() + " --out " +
                                  (dir / "report").string());
  ASSERT_EQ(report.exit_code, 0) << report.out << report.err;
  EXPECT_EQ(report.err.find("left out"), std::string::npos) << report.err;
  const std::string md = slurp(dir / "report" / "report.md");
  EXPECT_NE(md.find("## Privacy"), std::string::npos) << md;
  EXPECT_TRUE(std::filesystem::exists(dir / "report" / "frontier.svg"));
  const auto report_json = nlohmann::json::parse(slurp(dir / "report" / "report.json"));
  size_t originals = 0;
  for (const auto& row : report_json["tables"]["privacy"]) {
    if (row["mechanism"] == "original") originals = row["texts"].get<size_t>();
  }
  EXPECT_EQ(originals, 4u) << "every question of the CSV, reloaded";

  // One more question in the file: the stored cells answer the old ones.
  write_text(questions,
             csv + "\"Which muscle flexes the elbow?\",Triceps,Biceps,Deltoid,Soleus,B\n");
  const auto resumed = run_command(run);
  EXPECT_EQ(resumed.exit_code, 1) << resumed.out << resumed.err;
  EXPECT_NE(resumed.err.find("the question file " + questions.string() +
                             " has changed since this run started"),
            std::string::npos)
      << resumed.err;
  const auto changed = run_command(kBinary + " report " + spec.output.string() + " --out " +
                                   (dir / "report2").string());
  ASSERT_EQ(changed.exit_code, 0) << changed.out << changed.err;
  EXPECT_NE(changed.err.find("has changed since the run read it"), std::string::npos)
      << changed.err;
}

// PubMedQA with its passages: each question's abstract goes to every local
// step and, by default, to no remote one (checked in the simulator's request
// log). With remote_context showing it, S2 sends it as is and S3 sends it
// sanitized by the cell's mechanism, never the original; PhraseDP, which
// paraphrases questions only, is refused before anything is sent.
TEST(RunCli, PubMedQaPassagesStayLocalUnlessShownAndThenSanitizedInS3) {
  const testing::EngineData data = testing::sample_engine_data();
  TempDir dir;
  const std::filesystem::path questions =
      testing::fixtures_dir() / "datasets" / "pubmedqa_pqal.json";
  const std::string map =
      "id=id,question=QUESTION,context=CONTEXTS,choices=yes|no|maybe,answer=final_decision,"
      "answer_encoding=option_text";
  LoadOptions options;
  options.format = DatasetFormat::kJsonl;
  auto mapping = parse_field_mapping(map);
  ASSERT_TRUE(mapping.ok()) << mapping.error().message();
  options.mapping = *mapping;
  auto dataset = load_dataset(questions, options);
  ASSERT_TRUE(dataset.ok()) << dataset.error().message();
  ASSERT_EQ(dataset->questions.size(), 3u);
  std::vector<std::string> passages;  // every paragraph of every abstract
  for (const auto& q : dataset->questions) {
    ASSERT_NE(q.context.find('\n'), std::string::npos) << "two paragraphs each";
    std::istringstream in(q.context);
    for (std::string line; std::getline(in, line);)
      passages.push_back(line);
  }
  const auto export_of = [&](const std::string& name) {
    const auto r =
        run_command(kBinary + " export --no-timing --details " + (dir / (name + ".db")).string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_jsonl(r.out);
  };
  const auto passage_in = [&](const std::string& text) {
    return std::any_of(passages.begin(), passages.end(),
                       [&](const std::string& p) { return text.find(p) != std::string::npos; });
  };

  std::unique_ptr<ChildProcess> sim;
  const std::string url = testing::start_sim_server(
      sim, kBinary,
      {"--dataset", questions.string(), "--format", "jsonl", "--map", map, "--time-scale", "0",
       "--profiles", (testing::fixtures_dir() / "sim" / "unlimited.toml").string(), "--log",
       (dir / "sim.log").string()},
      dir / "sim.out");
  ASSERT_FALSE(url.empty()) << slurp(dir / "sim.out");
  const auto config_for = [&](const std::string& name, const std::string& mechanisms,
                              const std::string& policy) {
    ConfigSpec spec;
    spec.dataset = questions;
    spec.embeddings = data.embeddings;
    spec.output = dir / (name + ".db");
    spec.scenarios = R"(["S1", "S2", "S3", "S4", "S5"])";
    spec.mechanisms = mechanisms;
    std::string text = config_text(spec);
    text.replace(text.find("\n[experiment]"), 0, "format = \"jsonl\"\nmap = \"" + map + "\"\n");
    if (!policy.empty()) text.replace(text.find("local = \"local\""), 0, policy + "\n");
    write_text(dir / (name + ".toml"), text);
    return "PRIVQA_SIM_URL=" + url + " " + kBinary + " run --quiet " +
           (dir / (name + ".toml")).string();
  };

  // Kept local (the default), PhraseDP included.
  const auto local = run_command(config_for("local", R"(["santext+", "phrasedp"])", ""));
  ASSERT_EQ(local.exit_code, 0) << local.out << local.err;
  size_t local_with_passage = 0, remote_requests = 0;
  for (const auto& entry : read_jsonl(slurp(dir / "sim.log"))) {
    const std::string prompt = user_message(entry);
    if (entry.value("model", "") == "sim-remote") {
      ++remote_requests;
      EXPECT_FALSE(passage_in(prompt)) << "a passage reached the remote model:\n" << prompt;
      EXPECT_EQ(prompt.find("Context:"), std::string::npos) << prompt;
    } else if (prompt.find("Paraphrase") == std::string::npos) {
      EXPECT_TRUE(passage_in(prompt)) << "a local step without its passage:\n" << prompt;
      ++local_with_passage;
    }
  }
  // At least S2 and S4 of each question remotely; S1, S2's answer and S5's
  // two steps locally (identical requests are answered from the cache).
  EXPECT_GE(remote_requests, 3u * 2);
  EXPECT_GE(local_with_passage, 3u * 4);
  const auto cells = export_of("local");
  ASSERT_EQ(cells.size(), 3u * (4 + 6));
  for (const auto& c : cells)
    EXPECT_EQ(c["status"], "ok") << c.dump();

  // Shown in S2 and S3: S3 sends the passage sanitized with the question.
  const std::string shown_policy = R"(remote_context = { S2 = "shown", S3 = "shown" })";
  const auto refused = run_command(config_for("phrase", R"(["phrasedp"])", shown_policy));
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("PhraseDP paraphrases questions only"), std::string::npos)
      << refused.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "phrase.db"));

  const size_t earlier_requests = read_jsonl(slurp(dir / "sim.log")).size();
  const auto shown = run_command(config_for("shown", R"(["santext+"])", shown_policy));
  ASSERT_EQ(shown.exit_code, 0) << shown.out << shown.err;
  std::set<std::string> s3_prompts, s3_unchanged;
  size_t s3_cells = 0, passages_changed = 0;
  ::setenv("PRIVQA_SIM_URL", url.c_str(), 1);  // the config reads it
  const auto config = load_run_config(dir / "shown.toml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  for (const auto& c : export_of("shown")) {
    if (c["scenario"] != "S3") continue;
    ++s3_cells;
    const auto& q = *std::find_if(dataset->questions.begin(), dataset->questions.end(),
                                  [&](const Question& x) { return x.id == c["question_id"]; });
    const std::string context = c["details"]["mechanism"]["context"]["text"];
    ASSERT_FALSE(context.empty()) << c.dump();
    EXPECT_GT(c["details"]["mechanism"]["context"]["words"].get<int>(), 10) << c.dump();
    passages_changed += context != q.context;
    const std::string sanitized = c["sanitized"];
    const std::string prompt =
        step_prompt(steps_of(Scenario::kPrivateCot)[0], Scenario::kPrivateCot, *config, q,
                    {.sanitized = sanitized, .sanitized_context = context});
    (context == q.context ? s3_unchanged : s3_prompts).insert(prompt);
  }
  EXPECT_EQ(s3_cells, 3u * 3);
  EXPECT_GT(passages_changed, 0u);
  size_t s2_with_passage = 0, s3_seen = 0, s4_seen = 0;
  const auto log = read_jsonl(slurp(dir / "sim.log"));
  ASSERT_GT(log.size(), earlier_requests);
  for (size_t i = earlier_requests; i < log.size(); ++i) {
    const nlohmann::json& entry = log[i];
    if (entry.value("model", "") != "sim-remote") continue;
    const std::string prompt = user_message(entry);
    if (prompt.find("Reply with the letter") != std::string::npos) {
      ++s4_seen;  // S4 is not named: kept local
      EXPECT_FALSE(passage_in(prompt)) << prompt;
    } else if (s3_prompts.count(prompt) + s3_unchanged.count(prompt) > 0) {
      ++s3_seen;
    } else {
      ++s2_with_passage;
      EXPECT_TRUE(passage_in(prompt)) << "S2 shows the passage as is:\n" << prompt;
    }
  }
  EXPECT_EQ(s4_seen, 3u);
  EXPECT_EQ(s3_seen, s3_prompts.size() + s3_unchanged.size())
      << "every S3 request carries the stored sanitized passage";
  EXPECT_EQ(s2_with_passage, 3u);
}

// DP-Prompt: each S3 cell asks the local model for one paraphrase at
// T = 2 (clip_high - clip_low) / eps (1.5 / eps by default) with top_p 1;
// the remote model gets that paraphrase, never the question; the cell
// records the temperature and the eps its tokens spent; and the simulator's
// paraphrases keep fewer of the question's words at a smaller eps.
TEST(RunCli, DpPromptParaphrasesLocallyAtTheTemperatureOfEachEps) {
  const testing::EngineData data = testing::sample_engine_data();
  TempDir dir;
  std::unique_ptr<ChildProcess> sim;
  const std::string url = start_unlimited_logged_sim(sim, data.questions, "5", dir.path());
  ASSERT_FALSE(url.empty()) << slurp(dir / "sim.out");
  ConfigSpec spec;
  spec.dataset = data.questions;
  spec.embeddings = data.embeddings;
  spec.output = dir / "run.db";
  spec.first = 12;
  spec.scenarios = R"(["S1", "S3"])";
  spec.mechanisms = R"(["dpprompt"])";
  write_text(dir / "run.toml", config_text(spec));
  const auto run = run_command("PRIVQA_SIM_URL=" + url + " " + kBinary + " run --quiet " +
                               (dir / "run.toml").string());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

  auto dataset = load_dataset(data.questions);
  ASSERT_TRUE(dataset.ok());
  std::map<std::string, std::string> text_of;
  for (const auto& q : dataset->questions)
    text_of[q.id] = q.text;
  const auto r = run_command(kBinary + " export --no-timing --details " + spec.output.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> sanitized_texts;
  std::map<double, double> kept_by_eps;  // mean share of the question's words kept
  size_t s3 = 0;
  for (const auto& c : read_jsonl(r.out)) {
    if (c["scenario"] != "S3") continue;
    ++s3;
    ASSERT_EQ(c["status"], "ok") << c.dump();
    const double eps = c["eps"];
    const nlohmann::json& m = c["details"]["mechanism"];
    EXPECT_DOUBLE_EQ(m["temperature"].get<double>(), 1.5 / eps) << c.dump();
    EXPECT_EQ(m["logits_clipped"], false);
    EXPECT_GT(m["sampled"].get<int64_t>(), 0);
    EXPECT_DOUBLE_EQ(m["eps_spent"].get<double>(), eps * m["sampled"].get<double>());
    EXPECT_LT(m["sampled"].get<int64_t>(), c["local_tokens_out"].get<int64_t>())
        << "the paraphrase's tokens count with the cell's, beside the answer's: " << c.dump();
    const std::string sanitized = c["sanitized"];
    const std::string original = text_of.at(c["question_id"]);
    EXPECT_NE(sanitized, original);
    sanitized_texts.insert(sanitized);
    std::set<std::string> words;
    for (const Token& t : tokenize(sanitized))
      words.insert(fold_case(t.text));
    size_t n = 0, kept = 0;
    for (const Token& t : tokenize(original)) {
      if (t.kind != TokenKind::kWord) continue;
      ++n;
      kept += words.count(fold_case(t.text));
    }
    kept_by_eps[eps] += static_cast<double>(kept) / static_cast<double>(n) / 12;
  }
  ASSERT_EQ(s3, 12u * 3);
  EXPECT_GT(kept_by_eps[3.0], kept_by_eps[1.0] + 0.2)
      << "T 0.5 keeps more than T 1.5: " << kept_by_eps[3.0] << " vs " << kept_by_eps[1.0];

  size_t paraphrase_requests = 0;
  std::set<double> temperatures;
  for (const auto& e : read_jsonl(slurp(dir / "sim.log"))) {
    if (!e.contains("body")) continue;
    const std::string prompt = user_message(e);
    if (e.value("model", "") == "sim-remote") {
      for (const auto& [id, text] : text_of)
        EXPECT_EQ(prompt.find(text), std::string::npos) << "the remote model saw " << id;
      const bool carries_a_paraphrase =
          std::any_of(sanitized_texts.begin(), sanitized_texts.end(),
                      [&](const std::string& t) { return prompt.find(t) != std::string::npos; });
      EXPECT_TRUE(carries_a_paraphrase) << prompt;
      continue;
    }
    if (prompt.find("Paraphrase the question below") == std::string::npos) continue;
    ++paraphrase_requests;
    temperatures.insert(e["body"]["temperature"].get<double>());
    EXPECT_EQ(e["body"]["top_p"], 1.0);
  }
  EXPECT_EQ(paraphrase_requests, 12u * 3);
  EXPECT_EQ(temperatures, (std::set<double>{1.5, 0.75, 0.5}));

  const auto report = run_command(kBinary + " report " + spec.output.string() + " --out " +
                                  (dir / "report").string());
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(slurp(dir / "report" / "report.md").find("(nominal: logits not clipped)"),
            std::string::npos)
      << "the report says DP-Prompt's eps is not a guarantee here";
}

// Folded word and number tokens, as the report's scores compare texts.
std::vector<std::string> folded_tokens(const std::string& text) {
  std::vector<std::string> out;
  for (const Token& t : tokenize(text)) {
    if (t.kind == TokenKind::kWord || t.kind == TokenKind::kNumber)
      out.push_back(fold_case(t.text));
  }
  return out;
}

// ROUGE-L F by the textbook recursion on the LCS table, written apart from
// the report's.
double rouge_l_by_table(const std::string& reference, const std::string& candidate) {
  const auto a = folded_tokens(reference), b = folded_tokens(candidate);
  std::vector<std::vector<size_t>> lcs(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  if (lcs[0][0] == 0) return 0;
  const double p = static_cast<double>(lcs[0][0]) / static_cast<double>(b.size());
  const double r = static_cast<double>(lcs[0][0]) / static_cast<double>(a.size());
  return 2 * p * r / (p + r);
}

// The reconstruction attacks run as cells: each A1 and A2 cell sends the
// remote model exactly the text its S3 cell sent (same mechanism, eps and
// random stream), never the original; the simulator's attacker replies, the
// cells are stored with their reconstruction, and the report scores them as
// an independent computation does.
TEST(RunCli, ReconstructionAttacksSeeOnlyS3sTextAndAreScoredInTheReport) {
  const testing::EngineData data = testing::sample_engine_data();
  TempDir dir;
  std::unique_ptr<ChildProcess> sim;
  const std::string url = start_unlimited_logged_sim(sim, data.questions, "5", dir.path());
  ASSERT_FALSE(url.empty()) << slurp(dir / "sim.out");
  ConfigSpec spec;
  spec.dataset = data.questions;
  spec.embeddings = data.embeddings;
  spec.output = dir / "run.db";
  spec.scenarios = R"(["S1", "S3", "A1", "A2"])";
  spec.mechanisms = R"(["santext+", "custext+"])";
  spec.hedge_after = 0;  // one request per prompt
  write_text(dir / "run.toml", config_text(spec));
  const auto run = run_command("PRIVQA_SIM_URL=" + url + " " + kBinary + " run --quiet " +
                               (dir / "run.toml").string());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

  auto dataset = load_dataset(data.questions);
  ASSERT_TRUE(dataset.ok());
  std::map<std::string, const Question*> by_id;
  for (const auto& q : dataset->questions)
    by_id[q.id] = &q;
  ::setenv("PRIVQA_SIM_URL", url.c_str(), 1);  // the config reads it
  const auto config = load_run_config(dir / "run.toml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  const auto exported =
      run_command(kBinary + " export --no-timing --details " + spec.output.string());
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const auto cells = read_jsonl(exported.out);
  std::map<std::string, std::string> s3_text;  // "question|mechanism|eps" -> sanitized
  for (const auto& c : cells) {
    if (c["scenario"] != "S3") continue;
    s3_text[fmt::format("{}|{}|{:g}", c["question_id"].get<std::string>(),
                        c["mechanism"].get<std::string>(), c["eps"].get<double>())] =
        c["sanitized"];
  }
  const size_t n = by_id.size();
  ASSERT_EQ(s3_text.size(), n * 2 * 3);
  // Each attack cell: its prompt, and per group the ROUGE-L and accuracy the
  // report must show.
  std::set<std::string> attack_prompts;
  std::map<std::string, double> rouge_sum;             // "A1|mechanism|eps"
  std::map<std::string, std::pair<int, int>> answers;  // A2: correct, labelled
  size_t attack_cells = 0;
  for (const auto& c : cells) {
    Scenario scenario;
    ASSERT_TRUE(parse_scenario(c["scenario"], scenario));
    if (!is_attack(scenario)) continue;
    ++attack_cells;
    ASSERT_EQ(c["status"], "ok") << c.dump();
    const std::string id = c["question_id"];
    const std::string group =
        fmt::format("{}|{:g}", c["mechanism"].get<std::string>(), c["eps"].get<double>());
    EXPECT_EQ(c["sanitized"], s3_text.at(id + "|" + group)) << "what S3's remote model saw";
    const std::string reconstruction = c["details"]["reconstruction"];
    EXPECT_FALSE(reconstruction.empty()) << c.dump();
    attack_prompts.insert(step_prompt(steps_of(scenario)[0], scenario, *config, *by_id.at(id),
                                      {.sanitized = c["sanitized"].get<std::string>()}));
    const std::string key = c["scenario"].get<std::string>() + "|" + group;
    rouge_sum[key] += rouge_l_by_table(by_id.at(id)->text, reconstruction);
    if (scenario == Scenario::kReconstructAnswer) {
      answers[key].first += c["correct"].get<bool>();
      ++answers[key].second;
    }
  }
  ASSERT_EQ(attack_cells, n * 2 * 3 * 2);

  size_t reconstruct_requests = 0;
  for (const auto& e : read_jsonl(slurp(dir / "sim.log"))) {
    const std::string prompt = user_message(e);
    if (prompt.find("Reconstruct the original") == std::string::npos) continue;
    ++reconstruct_requests;
    EXPECT_EQ(e.value("model", ""), "sim-remote");
    EXPECT_EQ(attack_prompts.count(prompt), 1u) << "no attack cell's prompt:\n" << prompt;
    for (const auto& [id, q] : by_id) {
      // A mechanism may return a short question unchanged; that text was S3's too.
      if (prompt.find(q->text) == std::string::npos) continue;
      bool sent_by_s3 = false;
      for (const auto& [key, text] : s3_text)
        sent_by_s3 |= key.starts_with(id + "|") && text == q->text;
      EXPECT_TRUE(sent_by_s3) << "the attacker saw the original of " << id;
    }
  }
  // Equal prompts (a text that came out the same at two eps) are sent once:
  // the second is answered from the response cache.
  EXPECT_EQ(reconstruct_requests, attack_prompts.size());

  const auto report = run_command(kBinary + " report --format all " + spec.output.string() +
                                  " --out " + (dir / "report").string());
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const std::string md = slurp(dir / "report" / "report.md");
  EXPECT_NE(md.find("Reconstruction attacks"), std::string::npos);
  EXPECT_NE(md.find("Reconstruction examples"), std::string::npos);
  const auto json = nlohmann::json::parse(slurp(dir / "report" / "report.json"));
  const auto& rows = json["tables"]["reconstruction"];
  ASSERT_EQ(rows.size(), 2u * 3 * 2);
  for (const auto& row : rows) {
    const std::string key =
        fmt::format("{}|{}|{:g}", row["scenario"].get<std::string>(),
                    row["mechanism"].get<std::string>(), row["eps"].get<double>());
    EXPECT_EQ(row["texts"], n) << key;
    EXPECT_NEAR(row["rouge_l"].get<double>(), rouge_sum.at(key) / static_cast<double>(n), 1e-9)
        << key;
    if (row["scenario"] == "A2") {
      const auto [correct, labelled] = answers.at(key);
      EXPECT_EQ(row["answered"], labelled) << key;
      EXPECT_NEAR(row["attacker_accuracy"].get<double>(),
                  static_cast<double>(correct) / static_cast<double>(labelled), 1e-12)
          << key;
    } else {
      EXPECT_TRUE(row["attacker_accuracy"].is_null()) << key;
    }
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "report" / "frontier_reconstruction.svg"));
  EXPECT_TRUE(std::filesystem::exists(dir / "report" / "frontier_eps.svg"));
}

// Errors about the question file advise the config's own keys: run has no
// --answer-base or --format flag.
TEST(RunCli, DatasetErrorsNameTheConfigKeys) {
  TempDir dir;
  const std::string record =
      R"({"id":"ID","question":"Which nerve?","opa":"a","opb":"b","opc":"c","opd":"d","cop":COP})";
  std::string ambiguous;  // cop 1..3 only: 0- or 1-based cannot be told
  for (const std::string cop : {"1", "3"}) {
    std::string line = record;
    line.replace(line.find("ID"), 2, "q" + cop);
    ambiguous += line.replace(line.find("COP"), 3, cop) + "\n";
  }
  write_text(dir / "ambiguous.jsonl", ambiguous);
  write_text(dir / "other.jsonl", R"({"prompt":"x"})"
                                  "\n");
  write_text(dir / "run.toml",
             "[dataset]\npath = \"ambiguous.jsonl\"\n[experiment]\noutput = "
             "\"run.db\"\nscenarios = [\"S1\"]\nepsilons = [1.0]\nlocal = "
             "\"local\"\n[providers.local]\nbase_url = "
             "\"http://127.0.0.1:9/v1\"\nmodel = \"m\"\n");
  const auto ambiguous_run = run_command(kBinary + " run --dry-run " + (dir / "run.toml").string());
  EXPECT_EQ(ambiguous_run.exit_code, 2) << ambiguous_run.err;
  EXPECT_NE(ambiguous_run.err.find("; set [dataset] answer_base to 0 or 1"), std::string::npos)
      << ambiguous_run.err;
  const auto other_run = run_command(kBinary + " run --dry-run " + (dir / "run.toml").string() +
                                     " --dataset " + (dir / "other.jsonl").string());
  EXPECT_EQ(other_run.exit_code, 2) << other_run.err;
  EXPECT_NE(other_run.err.find("; set [dataset] format to jsonl or csv and give a field mapping "
                               "with [dataset] map"),
            std::string::npos)
      << other_run.err;
  EXPECT_EQ(ambiguous_run.err.find("--"), std::string::npos) << ambiguous_run.err;
  EXPECT_EQ(other_run.err.find("--"), std::string::npos) << other_run.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "run.db"));
}

}  // namespace
}  // namespace privqa
