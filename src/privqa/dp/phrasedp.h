// PhraseDP's scoring and selection step (the original study's mechanism).
// A local model writes paraphrases of the question (elsewhere); here the
// candidates are filtered, scored by cosine similarity to the original with a
// sentence encoder, and one is drawn with an exponential-mechanism rule.
// The candidates depend on the private text, so PhraseDP as a whole is not
// formally eps-DP: only this selection step is an exponential mechanism.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/dp/params.h"
#include "privqa/dp/rng.h"
#include "privqa/embed/sentence_encoder.h"

namespace privqa {

enum class PhraseScoring {
  kOriginal,  // Pr(i) ∝ exp(-eps (1 - u_i))
  kEm,        // Pr(i) ∝ exp(eps u_i / (2 Δu)), Δu = 2
};

// Declared parameters of PhraseDP: "scoring" = original|em, and "encoder",
// the sentence encoder of the similarities: kSifEncoder or a provider's name
// (which the experiment resolves: the mechanism sees only a SentenceEncoder).
inline constexpr std::string_view kSifEncoder = "sif";
const std::vector<ParamSpec>& phrasedp_param_specs();
Result<PhraseScoring> parse_phrase_scoring(const std::string& name);

// Candidate lines as the model wrote them -> usable candidates, in order:
// whitespace trimmed; dropped when empty, 10 characters or shorter, equal to
// the original (case-insensitive), a repeat of an earlier one
// (case-insensitive), or meta-text (starts with an instruction or
// acknowledgement word such as "Here", "Sure", "Paraphrase", or contains
// "paraphrase" anywhere).
std::vector<std::string> filter_paraphrase_candidates(std::string_view original,
                                                      const std::vector<std::string>& candidates);

// The same filter, with the index in `candidates` each usable line came from
// (to find what its request asked for, e.g. its band).
struct UsableParaphrase {
  size_t index = 0;
  std::string text;  // trimmed
};
std::vector<UsableParaphrase> usable_paraphrases(std::string_view original,
                                                 const std::vector<std::string>& candidates);

// Band variant: the similarity range [0, 1] cut into kSimilarityBands bands
// of equal width. The local model is asked for paraphrases within band b's
// bounds; a line is kept when its similarity u is within them widened by 0.05
// on each side. band in 0..kSimilarityBands-1.
inline constexpr int kSimilarityBands = 10;
struct SimilarityBand {
  double low = 0;
  double high = 0;
};
SimilarityBand similarity_band(int band);
bool in_similarity_band(double similarity, int band);

struct PhraseSelection {
  size_t index = 0;                   // into the candidates given
  std::vector<double> similarities;   // u_i
  std::vector<double> probabilities;  // Pr(i)
};

// Scores every candidate against the original with `encoder` and draws one.
// Fails on an invalid eps, no candidates, or an encoder error.
Result<PhraseSelection> select_paraphrase(std::string_view original,
                                          const std::vector<std::string>& candidates,
                                          const SentenceEncoder& encoder, double eps,
                                          PhraseScoring scoring, Rng& rng);

// The selection rule alone, on given similarities.
std::vector<double> phrase_scores(const std::vector<double>& similarities, double eps,
                                  PhraseScoring scoring);

}  // namespace privqa
