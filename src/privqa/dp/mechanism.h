// A word-level text sanitization mechanism: sanitize(text, eps, rng) returns
// the text with word (and number) tokens replaced, kept or dropped; spacing
// and punctuation of the original are preserved. A Mechanism holds only
// state that depends on its corpus, embeddings and parameters; it is built
// once, is immutable afterwards (caches are internal and locked) and may be
// used from many threads at once, each with its own Rng.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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
  // Called by sanitize() with all tokens of the text before any is decided,
  // so that eps-independent per-word state (distance rows) can be computed
  // for the whole text in one batch. It only fills caches: the output must be
  // the same whether it runs or not.
  virtual void prepare(std::span<const Token> tokens, double eps) const;
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

}  // namespace privqa
