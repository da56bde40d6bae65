// A word-level text sanitization mechanism: sanitize(text, eps, rng) returns
// the text with word (and number) tokens replaced, kept or dropped; spacing
// and punctuation of the original are preserved. A Mechanism holds only
// state that depends on its corpus, embeddings and parameters; it is built
// once, is immutable afterwards (caches are internal and locked) and may be
// used from many threads at once, each with its own Rng.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/base/parallel_for.h"
#include "privqa/base/result.h"
#include "privqa/dp/params.h"
#include "privqa/dp/rng.h"
#include "privqa/text/tokenizer.h"

namespace privqa {

struct SanitizeStats {
  size_t words = 0;     // word tokens seen
  size_t numbers = 0;   // number tokens seen
  size_t replaced = 0;  // word or number tokens whose output differs from the input
  size_t kept = 0;      // word or number tokens output unchanged
  size_t dropped = 0;   // word tokens removed from the output
  size_t oov = 0;       // word tokens outside the mechanism's vocabulary
  // Privacy accounting (docs/mechanisms.md, "Privacy accounting per text"):
  // tokens whose output came from the mechanism's eps-calibrated sampling
  // step, and the eps they spent together (sampled x
  // Mechanism::eps_per_sampled_token(eps), by sequential composition).
  // Tokens kept or replaced by a rule that does not look at the word's value
  // through eps (stopwords, non-sensitive words kept, uniform OOV draws)
  // spend 0.
  size_t sampled = 0;
  double eps_spent = 0;
};

struct SanitizedText {
  std::string text;
  SanitizeStats stats;
};

// OK when eps is a finite number > 0; otherwise an error saying so.
Status check_epsilon(double eps);

class Mechanism {
 public:
  virtual ~Mechanism() = default;
  const std::string& name() const { return name_; }
  const ParamValues& params() const { return params_; }

  // Fails only on an invalid eps.
  Result<SanitizedText> sanitize(std::string_view text, double eps, Rng& rng) const;

  // Fills the per-word caches for every word of `texts` at once. Optional:
  // outputs are the same without it. A caller about to sanitize many texts
  // prepares them a chunk at a time (for_each_prepared_text below), so that
  // the new words' distance rows come from one matrix product instead of a
  // text's few new words at a time.
  void prepare_texts(std::span<const std::string_view> texts) const;

  // The privacy parameter one sampled token spends when the mechanism runs
  // at `eps`: eps unless a mechanism's definition says otherwise. For
  // metric-DP mechanisms (SanText, TEM) the guarantee per token is
  // eps * d(x, x'), reported as eps.
  virtual double eps_per_sampled_token(double eps) const { return eps; }

 protected:
  Mechanism(std::string name, ParamValues params)
      : name_(std::move(name)), params_(std::move(params)) {}

  enum class Action { kKeep, kReplace, kDrop };
  struct Outcome {
    Action action = Action::kKeep;
    std::string text;      // the replacement (kReplace only)
    bool oov = false;      // the input word had no usable vector
    bool sampled = false;  // decided by the eps-calibrated sampling step
  };
  // Called by sanitize() with all tokens of the text before any is decided
  // (and by prepare_texts() with those of many texts), so that
  // eps-independent per-word state (distance rows) can be computed in one
  // batch. It only fills caches: the output must be the same whether it runs
  // or not.
  virtual void prepare(std::span<const Token> tokens) const;
  // Decides one token; eps is already checked.
  virtual Outcome sanitize_word(const Token& word, double eps, Rng& rng) const = 0;
  virtual Outcome sanitize_number(const Token& number, double eps, Rng& rng) const = 0;
  // Decides every word and number token of the text, in order (one Outcome
  // each), after prepare(). The default calls sanitize_word or
  // sanitize_number on each in turn; a mechanism whose draws for a whole text
  // are cheaper together (one matrix product for all its noisy vectors)
  // overrides it, and then fixes the order of its draws itself.
  virtual std::vector<Outcome> decide(std::span<const Token> tokens, double eps, Rng& rng) const;

 private:
  std::string name_;
  ParamValues params_;
};

// Calls visit(i) for every text i on up to `threads` threads, a chunk of
// texts at a time, after mechanism->prepare_texts() on the chunk (none when
// `mechanism` is null). Texts of a chunk are visited in order, each by one
// thread.
template <class Visit>
void for_each_prepared_text(const Mechanism* mechanism, std::span<const std::string_view> texts,
                            unsigned threads, const Visit& visit) {
  // Enough texts that most of a chunk's new words share the matrix product's
  // tiles; few enough that a chunk's rows stay cached until its texts use them.
  constexpr size_t kTextsPerChunk = 16;
  const size_t chunks = (texts.size() + kTextsPerChunk - 1) / kTextsPerChunk;
  parallel_for(chunks, threads, [&](size_t c) {
    const size_t begin = c * kTextsPerChunk;
    const size_t end = std::min(texts.size(), begin + kTextsPerChunk);
    if (mechanism != nullptr) mechanism->prepare_texts(texts.subspan(begin, end - begin));
    for (size_t i = begin; i < end; ++i)
      visit(i);
  });
}

}  // namespace privqa
