#include "privqa/dp/phrasedp.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_set>

#include "privqa/base/strings.h"
#include "privqa/dp/exponential_mechanism.h"
#include "privqa/dp/mechanism.h"
#include "privqa/text/normalize.h"

namespace privqa {
namespace {

constexpr size_t kMinCandidateChars = 10;  // "10 characters or shorter" is dropped
constexpr double kUtilitySensitivity = 2;  // Δu of cosine similarity in [-1, 1]
constexpr double kBandMargin = 0.05;

// First words that mark a line as talk about the task rather than a paraphrase.
constexpr std::array<std::string_view, 12> kMetaFirstWords = {
    "here",        "sure",    "certainly", "okay", "ok",          "paraphrase",
    "paraphrased", "rewrite", "rewritten", "note", "generalized", "below"};

std::string first_word(const std::string& folded) {
  size_t end = 0;
  while (end < folded.size() && std::isalpha(static_cast<unsigned char>(folded[end])))
    ++end;
  return folded.substr(0, end);
}

bool is_meta_text(const std::string& folded) {
  if (folded.find("paraphrase") != std::string::npos) return true;
  const std::string first = first_word(folded);
  return std::find(kMetaFirstWords.begin(), kMetaFirstWords.end(), first) != kMetaFirstWords.end();
}

}  // namespace

const std::vector<ParamSpec>& phrasedp_param_specs() {
  static const std::vector<ParamSpec> specs = {
      {"scoring",
       ParamType::kChoice,
       "original",
       0,
       0,
       {"original", "em"},
       "original: Pr ∝ exp(-eps (1 - u)); em: Pr ∝ exp(eps u / 4)"},
      {"encoder",
       ParamType::kText,
       std::string(kSifEncoder),
       0,
       0,
       {},
       "sentence encoder of the similarities: sif (word vectors of the embedding table) or "
       "the name of a provider whose model serves /v1/embeddings"},
  };
  return specs;
}

Result<PhraseScoring> parse_phrase_scoring(const std::string& name) {
  if (name == "original") return PhraseScoring::kOriginal;
  if (name == "em") return PhraseScoring::kEm;
  return Error("phrasedp: parameter 'scoring': '" + name + "' is not one of original|em");
}

std::vector<UsableParaphrase> usable_paraphrases(std::string_view original,
                                                 const std::vector<std::string>& candidates) {
  const std::string original_folded = fold_case(trim(original));
  std::unordered_set<std::string> seen;
  std::vector<UsableParaphrase> out;
  for (size_t i = 0; i < candidates.size(); ++i) {
    std::string text(trim(candidates[i]));
    if (text.size() <= kMinCandidateChars) continue;
    const std::string folded = fold_case(text);
    if (folded == original_folded || is_meta_text(folded)) continue;
    if (!seen.insert(folded).second) continue;
    out.push_back({i, std::move(text)});
  }
  return out;
}

std::vector<std::string> filter_paraphrase_candidates(std::string_view original,
                                                      const std::vector<std::string>& candidates) {
  std::vector<std::string> out;
  for (auto& usable : usable_paraphrases(original, candidates))
    out.push_back(std::move(usable.text));
  return out;
}

SimilarityBand similarity_band(int band) {
  return {static_cast<double>(band) / kSimilarityBands,
          static_cast<double>(band + 1) / kSimilarityBands};
}

bool in_similarity_band(double similarity, int band) {
  const SimilarityBand b = similarity_band(band);
  return similarity >= b.low - kBandMargin && similarity < b.high + kBandMargin;
}

std::vector<double> phrase_scores(const std::vector<double>& similarities, double eps,
                                  PhraseScoring scoring) {
  std::vector<double> out(similarities.size());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = scoring == PhraseScoring::kOriginal
                 ? -eps * (1 - similarities[i])
                 : eps * similarities[i] / (2 * kUtilitySensitivity);
  }
  return out;
}

Result<PhraseSelection> select_paraphrase(std::string_view original,
                                          const std::vector<std::string>& candidates,
                                          const SentenceEncoder& encoder, double eps,
                                          PhraseScoring scoring, Rng& rng) {
  if (Status ok = check_epsilon(eps); !ok) return ok.error().wrap("phrasedp");
  if (candidates.empty()) return Error("phrasedp: no candidate paraphrases to select from");
  auto reference = encoder.encode(original);
  if (!reference.ok()) return reference.error().wrap("phrasedp: encoding the original");
  PhraseSelection selection;
  for (size_t i = 0; i < candidates.size(); ++i) {
    auto vector = encoder.encode(candidates[i]);
    if (!vector.ok()) {
      return vector.error().wrap("phrasedp: encoding candidate " + std::to_string(i + 1));
    }
    selection.similarities.push_back(cosine_similarity(*vector, *reference));
  }
  const std::vector<double> scores = phrase_scores(selection.similarities, eps, scoring);
  selection.probabilities = softmax(scores);
  selection.index = sample_weighted(selection.probabilities, rng);
  return selection;
}

}  // namespace privqa
