// Paraphrase variants for PhraseDP-style requests: word substitution and
// deletion over the content words of a text.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/sim/draw.h"

namespace privqa::sim {

// Words close in meaning to a folded word (e.g. embedding neighbours), most
// similar first; empty when none are known.
using NeighbourSource = std::function<std::vector<std::string>(const std::string& folded_word)>;

class Paraphraser {
 public:
  // Without a neighbour source, substitutions use generic words only.
  explicit Paraphraser(NeighbourSource neighbours = nullptr);

  // `count` variants of `text`, pairwise distinct and different from `text`
  // (case-insensitively) whenever the text has enough content words to allow
  // it. Each variant changes a share of the content words drawn in
  // [0.15, 0.75) at the reference temperature, so their similarity to the
  // original spreads out; the share grows in proportion to `temperature`
  // (at most all words), as a hotter sample strays further. Each content word
  // picked is replaced by a neighbour, deleted, or generalised.
  std::vector<std::string> variants(std::string_view text, size_t count, const Draw& draw,
                                    double temperature = kReferenceTemperature) const;

  // The temperature of privqa's PhraseDP paraphrase requests.
  static constexpr double kReferenceTemperature = 0.7;

 private:
  std::string one_variant(std::string_view text, double temperature, Draw& draw) const;

  NeighbourSource neighbours_;
};

}  // namespace privqa::sim
