// In-process runs of the experiment engine for tests: a small question file,
// a small word-vector table, prompts whose first line names them, and
// scripted local and remote models.
//
// Every word of the questions and of the table has five letters, so a
// word-level mechanism's output is as long as its input, and the scripted
// paraphrases are rotations of the question's words: the plan's assumption
// that a sanitized text is as long as the question then holds exactly.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "exp/scripted_model.h"
#include "privqa/data/dataset.h"
#include "privqa/exp/run_config.h"
#include "privqa/exp/runner.h"
#include "testing.h"

namespace privqa::testing {

struct TestQuestion {
  std::string text;
  std::vector<std::string> options;  // four
  char answer;                       // 'A'..'D'
};

inline const std::vector<TestQuestion>& test_questions() {
  static const std::vector<TestQuestion> questions = {
      {"alpha bravo delta gamma kappa", {"omega", "theta", "sigma", "tango"}, 'B'},
      {"sigma omega hotel lemon mango", {"alpha", "bravo", "olive", "peach"}, 'C'},
      {"grape melon cedar maple birch", {"aspen", "delta", "gamma", "kappa"}, 'A'},
  };
  return questions;
}

// Words with vectors; they are all five letters long, as are the questions'.
inline const std::vector<std::pair<std::string, std::vector<float>>>& test_table_rows() {
  static const std::vector<std::pair<std::string, std::vector<float>>> rows = {
      {"alpha", {1, 0, 0}},          {"bravo", {0.9f, 0.1f, 0}},    {"delta", {0, 1, 0}},
      {"gamma", {0.1f, 0.9f, 0}},    {"kappa", {0, 0, 1}},          {"sigma", {0, 0.1f, 0.9f}},
      {"omega", {1, 1, 0}},          {"theta", {0, 1, 1}},          {"tango", {1, 0, 1}},
      {"hotel", {0.5f, 0.5f, 0}},    {"lemon", {0, 0.5f, 0.5f}},    {"mango", {0.5f, 0, 0.5f}},
      {"olive", {0.2f, 0.7f, 0.1f}}, {"peach", {0.7f, 0.2f, 0.1f}}, {"grape", {0.1f, 0.2f, 0.7f}},
      {"melon", {0.3f, 0.3f, 0.4f}}, {"cedar", {0.6f, 0.1f, 0.3f}}, {"maple", {0.3f, 0.6f, 0.1f}},
      {"birch", {0.1f, 0.3f, 0.6f}}, {"aspen", {0.4f, 0.4f, 0.2f}},
  };
  return rows;
}

// Prompts whose first line says which template they are.
inline Prompts marked_prompts() {
  Prompts p;
  p.system = "SYSTEM";
  p.answer = "ANSWER\n{question}\n{options}";
  p.answer_with_cot = "ANSWER WITH COT\n{cot}\n{question}\n{options}";
  p.cot = "COT\n{question}";
  p.cot_with_options = "COT WITH OPTIONS\n{question}\n{options}";
  p.paraphrase = "PARAPHRASE\n{question}";
  p.paraphrase_medical = "PARAPHRASE MEDICAL\n{question}";
  p.paraphrase_band = "PARAPHRASE BAND {low} {high}\n{question}";
  return p;
}

// The first line of a prompt, and the rest.
inline std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}
inline std::string after_first_line(const std::string& text) {
  const size_t nl = text.find('\n');
  return nl == std::string::npos ? "" : text.substr(nl + 1);
}

inline std::vector<std::string> words_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;)
    words.push_back(w);
  return words;
}

inline std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words)
    out += (out.empty() ? "" : " ") + w;
  return out;
}

// The question's words rotated by 1, 2, ...: each line as long as the
// question, none equal to it, all alike in meaning (the same words).
inline std::string rotations(const std::string& question) {
  const auto words = words_of(question);
  std::string out;
  for (size_t r = 1; r < words.size(); ++r) {
    std::vector<std::string> rotated(words.begin() + static_cast<long>(r), words.end());
    rotated.insert(rotated.end(), words.begin(), words.begin() + static_cast<long>(r));
    out += (out.empty() ? "" : "\n") + join(rotated);
  }
  return out;
}

// A CoT that fills max_tokens at 4 characters a token, naming its writer.
inline std::string scripted_cot(const ScriptedCall& call) {
  std::string cot = "cot by " + call.provider + " ";
  const size_t length = static_cast<size_t>(call.request.max_tokens.value_or(0)) * 4;
  cot.resize(std::max(length, cot.size()), '.');
  return cot;
}

// The default script: paraphrases are rotations of the question (for a band
// request below the top band, the question's words reversed in order, which
// the band check rejects); a CoT fills its budget; an answer says "B".
inline ChatOutcome default_script(const ScriptedCall& call) {
  const std::string kind = first_line(call.user);
  if (kind.rfind("PARAPHRASE", 0) == 0) {
    std::string lines = rotations(after_first_line(call.user));
    if (kind.rfind("PARAPHRASE BAND", 0) == 0 && kind != "PARAPHRASE BAND 0.9 1.0") {
      auto words = words_of(after_first_line(call.user));
      std::reverse(words.begin(), words.end());
      lines = join(words);
    }
    return scripted_reply(std::vector<std::string>(call.request.n.value_or(1), lines), call);
  }
  if (kind.rfind("COT", 0) == 0) return scripted_reply({scripted_cot(call)}, call);
  return scripted_reply({"Answer: B"}, call);
}

// A run directory with the question file and the table, and a config for it.
class InProcessRun {
 public:
  InProcessRun() {
    std::string jsonl;
    for (const auto& q : test_questions()) {
      jsonl += "{\"question\": \"" + q.text + "\", \"options\": {";
      for (size_t i = 0; i < q.options.size(); ++i) {
        jsonl += std::string(i ? ", " : "") + "\"" + static_cast<char>('A' + i) + "\": \"" +
                 q.options[i] + "\"";
      }
      jsonl += "}, \"answer_idx\": \"" + std::string(1, q.answer) + "\"}\n";
    }
    write_text(dir_ / "questions.jsonl", jsonl);
    std::string table;
    for (const auto& [word, v] : test_table_rows()) {
      table += word;
      for (float x : v)
        table += " " + std::to_string(x);
      table += "\n";
    }
    write_text(dir_ / "table.txt", table);

    config.source = dir_ / "run.toml";
    config.dataset.path = dir_ / "questions.jsonl";
    config.dataset.load.format = DatasetFormat::kMedQA;
    config.output = dir_ / "run.db";
    config.seed = 7;
    config.seed_from_os = false;
    config.scenarios = {Scenario::kLocal, Scenario::kRemoteCot, Scenario::kPrivateCot,
                        Scenario::kRemote, Scenario::kLocalSelfCot};
    config.epsilons = {1.0, 2.0, 3.0};
    config.mechanisms = {{"santext+", "santext+"}, {"phrasedp", "phrasedp"}};
    config.local_provider = "local";
    config.remote_provider = "remote";
    config.workers = 2;
    config.cache = CacheMode::kBypass;
    config.embeddings = dir_ / "table.txt";
    config.max_cot_tokens = 16;
    config.max_answer_tokens = 8;
    config.prompts = marked_prompts();
    for (const char* name : {"local", "remote"}) {
      ProviderConfig p;
      p.name = name;
      p.base_url = "http://127.0.0.1:9/v1";  // never called: the models are scripted
      p.model = std::string("scripted-") + name;
      config.providers.push_back(p);
    }
  }

  // Runs the config with scripted models (`local_script`, `remote_script`;
  // any other provider of the config, such as an encoder, gets default_script).
  Result<RunSummary> run(ScriptedModel::Script local_script = default_script,
                         ScriptedModel::Script remote_script = default_script) {
    local_ = std::make_unique<ScriptedModel>("local", log, std::move(local_script));
    remote_ = std::make_unique<ScriptedModel>("remote", log, std::move(remote_script));
    RunOptions options;
    options.handle_signals = false;
    options.models = {{"local", local_.get()}, {"remote", remote_.get()}};
    others_.clear();
    for (const ProviderConfig& p : config.providers) {
      if (options.models.count(p.name) != 0) continue;
      others_.push_back(std::make_unique<ScriptedModel>(p.name, log, default_script));
      options.models[p.name] = others_.back().get();
    }
    return run_experiment(config, options);
  }

  const std::filesystem::path& dir() const { return dir_.path(); }
  // The last run's scripted models.
  const ScriptedModel& local() const { return *local_; }
  const ScriptedModel& remote() const { return *remote_; }

  // The questions as the run loads them.
  std::vector<Question> questions() const {
    auto dataset = load_dataset(config.dataset.path, config.dataset.load);
    EXPECT_TRUE(dataset.ok()) << dataset.error().message();
    return dataset.ok() ? dataset->questions : std::vector<Question>{};
  }

  RunConfig config;
  std::vector<ScriptedCall> log;  // every request of every run, in order

 private:
  TempDir dir_;
  std::unique_ptr<ScriptedModel> local_;
  std::unique_ptr<ScriptedModel> remote_;
  std::vector<std::unique_ptr<ScriptedModel>> others_;
};

}  // namespace privqa::testing
