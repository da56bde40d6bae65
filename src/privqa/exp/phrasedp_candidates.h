// PhraseDP's candidates: paraphrases of a question written by the local
// model, requested once per question and repeat and shared by the S3 cells
// of every eps (the candidates do not depend on eps; only the selection
// does). The runner sends the requests; the plan counts them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "privqa/base/asio.h"
#include "privqa/data/question.h"
#include "privqa/embed/sentence_encoder.h"
#include "privqa/exp/run_config.h"
#include "privqa/exp/scenarios.h"
#include "privqa/llm/openai_codec.h"

namespace privqa {

// Whether a mechanism of this kind (registry name) is PhraseDP (candidates
// from the local model) rather than a word-level mechanism.
bool is_phrasedp(const std::string& kind);
// Whether the cells of the mechanism labelled `name` are PhraseDP's.
bool is_phrasedp(const RunConfig& config, const std::string& name);

// A PhraseDP mechanism's sentence encoder: kSifEncoder (dp/phrasedp.h) or
// the name of the provider that computes the vectors.
std::string phrasedp_encoder(const MechanismConfig& m);
// The providers that PhraseDP mechanisms of the run use as encoders, each once.
std::vector<std::string> encoder_providers(const RunConfig& config);

// Paraphrase requests: sampling settings and length per choice.
inline constexpr int kParaphraseMaxTokens = 150;
inline constexpr double kParaphraseTemperature = 0.7;
inline constexpr double kParaphraseTopP = 0.95;

// A PhraseDP cell's calls after its candidates: the S3 steps.
inline constexpr int kCallsAfterCandidates = calls_of(Scenario::kPrivateCot);
// The local model writes the candidates; a run with S3 has one.
static_assert(scenario_calls(Scenario::kPrivateCot, Role::kLocal));

// One line of the local model's replies.
struct Candidate {
  std::optional<int> band;  // bands variant: the similarity band its request aimed at
  std::string text;
};

// One paraphrase request of a question.
struct CandidateRequest {
  std::string prompt;
  std::optional<int> n;     // choices in one reply (use_n)
  std::optional<int> band;  // bands variant
  int sample_offset = 0;    // tells the requests of one question apart (seed, cache)
  int calls_after = 0;      // calls the cell still makes after this one
};

// The requests of question q under config.phrasedp, in the order they are sent.
std::vector<CandidateRequest> candidate_requests(const RunConfig& config, const Question& q);

// Appends each line of each reply as a candidate of `band`.
void append_candidates(const std::vector<std::string>& replies, std::optional<int> band,
                       std::vector<Candidate>& out);

// What a question's candidate requests returned.
struct CandidateSet {
  bool ok = false;
  bool paused = false;  // a provider ran out of quota: the cells are left unrun
  std::string error;
  Usage usage;  // summed over the requests
  std::vector<Candidate> candidates;
  // The vectors of the question and of its usable candidates under each
  // provider encoder (encoder_providers()), by provider name: one embeddings
  // request per provider, shared by the cells of every eps.
  std::map<std::string, std::shared_ptr<const PrecomputedEncoder>> encoders;
};

// The shared slots, one per question and repeat. The first cell to ask runs
// the requests; cells asking while they run wait for its result; later ones
// get it at once. A failed set is shared as well (each cell stores the error).
// Threading: one event-loop thread; the coroutines run on their caller's
// executor.
class CandidateSlots {
 public:
  using Fetch = std::function<asio::awaitable<CandidateSet>()>;

  asio::awaitable<CandidateSet> get(const std::string& question_id, int repeat, Fetch fetch);
  // Drops the slots of a question whose cells have all finished.
  void forget(const std::string& question_id);
  size_t size() const { return slots_.size(); }

 private:
  struct Slot;
  std::map<std::pair<std::string, int>, std::shared_ptr<Slot>> slots_;
};

}  // namespace privqa
