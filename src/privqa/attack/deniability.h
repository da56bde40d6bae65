// Plausible deniability statistics (Feyisetan, Balle, Drake and Diethe,
// WSDM 2020; docs/privacy.md) of a word channel at one eps, computed
// exactly from its output distributions rather than estimated by sampling:
//  - N_w = Pr(M(w) = w), the chance that w comes out unchanged;
//  - S_w = the expected number of distinct words among `draws` independent
//    outputs of M(w), sum over y of 1 - (1 - Pr(M(w) = y))^draws (the paper
//    counts the distinct outputs of such a sample);
//  - the effective support exp(H(M(w))), H the Shannon entropy in nats.
#pragma once

#include <cstdint>
#include <span>

#include "privqa/attack/quantiles.h"
#include "privqa/dp/word_channel.h"

namespace privqa::attack {

struct Deniability {
  Quantiles n_w;
  Quantiles s_w;
  Quantiles effective_support;
};

// Over `words`, each one of the channel's inputs. draws >= 1.
Deniability deniability(const WordChannel& channel, double eps, std::span<const uint32_t> words,
                        uint64_t draws);

}  // namespace privqa::attack
