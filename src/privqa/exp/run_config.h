// The configuration of a run, read from TOML. Example: examples/quickstart.toml.
//
//   [dataset]     path, format, answer_base, map, skip_bad_records, choice_type,
//                 subjects, ids (or ids_file: one id a line), first, sample,
//                 sample_seed
//   [experiment]  output, seed, repeats, scenarios, epsilons, mechanisms, local,
//                 remote, include_options_remote, remote_context, window,
//                 workers, lease_seconds, cache,
//                 embeddings, max_cot_tokens, max_answer_tokens
//   [mechanism.NAME]  parameters of mechanism NAME (phrasedp: scoring, encoder);
//                 mechanism = KIND makes NAME an instance of mechanism KIND
//   [phrasedp]    candidate generation: variant (old|bands), medical, candidates, use_n
//   [prompts]     system, answer, answer_with_cot, cot, cot_with_options,
//                 paraphrase, paraphrase_medical, paraphrase_band, paraphrase_dp,
//                 reconstruct, reconstruct_answer
//   [providers.NAME]  see llm/provider_config.h
//
// Relative paths are relative to the config file. String values may use
// ${VAR} to read an environment variable (e.g. the simulated provider's URL).
// Unknown keys and bad values are errors naming the file, line and key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/data/dataset.h"
#include "privqa/exp/prompts.h"
#include "privqa/llm/provider.h"
#include "privqa/store/cell.h"
#include "privqa/store/response_cache.h"
#include "privqa/store/shard.h"

namespace privqa {

struct DatasetConfig {
  std::filesystem::path path;
  LoadOptions load;
  std::string map;  // the field mapping as written ([dataset] map), recorded with the run
  QuestionFilter filter;
};

// One mechanism of the grid. Its name labels its cells; it is the registry
// name unless its table says `mechanism = KIND`, which makes it another
// instance of KIND with its own parameters (e.g. PhraseDP under a second
// sentence encoder, beside the first).
struct MechanismConfig {
  std::string name;                           // label, e.g. "santext+" or "phrasedp-minilm"
  std::string kind;                           // registry name, e.g. "phrasedp"
  std::map<std::string, std::string> params;  // as written, checked by the registry
  // "file:line" where the config names it ([mechanism.NAME] when present),
  // for errors about its parameters; empty for a config built in code.
  std::string where;
};

enum class PhraseVariant { kOld, kBands };

struct PhraseDpConfig {
  PhraseVariant variant = PhraseVariant::kOld;
  bool medical = false;  // prompt keeps medical terms, removes identifying detail only
  int candidates = 10;
  bool use_n = true;  // one request with n samples; false: `candidates` requests
};

struct RunConfig {
  std::filesystem::path source;  // the config file
  DatasetConfig dataset;
  // The run's store: a SQLite file path or a postgresql:// URL
  // (store/open_store.h).
  std::string output;
  // The run seed keys every random stream (docs/mechanisms.md). Without `seed`
  // in the config it is drawn from the OS when the store is created and kept
  // only there; `seed` fixes it for reproducible experiments.
  uint64_t seed = 0;
  bool seed_from_os = true;
  int repeats = 1;
  std::vector<Scenario> scenarios;
  std::vector<double> epsilons;
  std::vector<MechanismConfig> mechanisms;  // in S3 order
  PhraseDpConfig phrasedp;
  std::string local_provider;
  std::string remote_provider;
  bool include_options_remote = false;
  // The remote scenarios whose remote step is shown a question's passage (S3:
  // sanitized by the cell's mechanism, like the question; A1 and A2 follow
  // S3). In the others it stays local; local steps always see it.
  std::vector<Scenario> remote_context;
  // Questions in flight. Waiting requests of long chains go first (LlmClient),
  // so the window fills with questions whose last call (S4's answer) waits;
  // at 20,000 rpm a run needs a few hundred of them to end with those short
  // calls rather than with chains of thought. About 0.1 MB each.
  int window = 512;
  int workers = 0;  // CPU worker threads; 0 = hardware threads
  // How long a worker's claim on a question outlives its last heartbeat
  // (docs/workers.md): the wait before others take over the questions of a
  // worker that died.
  double lease_seconds = 30;
  CacheMode cache = CacheMode::kUse;
  std::filesystem::path embeddings;  // empty: the default wink table
  int max_cot_tokens = 512;
  int max_answer_tokens = 64;
  Prompts prompts;
  std::vector<ProviderConfig> providers;
  // Only this shard's cells (`privqa run --shard`; store/shard.h). Not part
  // of the results identity: every shard's store holds the same run.
  std::optional<Shard> shard;

  const ProviderConfig* provider(const std::string& name) const;
  const MechanismConfig* mechanism(const std::string& name) const;  // by label
  bool has_scenario(Scenario s) const;
  // Whether the dataset maps a passage field ([dataset] map context=FIELD).
  bool has_passages() const;
  bool remote_sees_context(Scenario s) const;
};

Result<RunConfig> load_run_config(const std::filesystem::path& path);

// Changes to a loaded config that `privqa run` takes as flags and the Python
// package as keyword arguments. Empty or 0: the config's own setting.
struct RunOverrides {
  std::string dataset;  // another question file, its format detected
  size_t limit = 0;     // only the first N questions
  std::string output;   // another store (path or URL)
  int window = 0;       // questions in flight
  std::string cache;    // response cache: "use", "refresh" or "bypass"
  std::string shard;    // "I/N": only shard I of N (store/shard.h)
};
// Fails, naming the setting, on an unknown cache mode, a negative window or
// a shard that is not I/N.
Status apply_overrides(const RunOverrides& overrides, RunConfig& config);

// Where an error about mechanism `m` points: its entry in the config file,
// or the file itself for a config built in code.
std::string where_of(const RunConfig& config, const MechanismConfig& m);

// JSON of everything that decides the results (not limits, URLs, output path
// or concurrency), and its hash: a store only resumes a run with the same one.
std::string results_identity_json(const RunConfig& config);
std::string fingerprint(const RunConfig& config);

}  // namespace privqa
