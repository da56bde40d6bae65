// Paired bootstrap interval of a difference in accuracy (Efron & Tibshirani
// 1993, percentile method): questions are resampled with replacement, each
// keeping both of its outcomes, so the pairing is preserved.
#pragma once

#include <cstdint>
#include <vector>

#include "privqa/report/wilson.h"

namespace privqa::report {

struct PairedOutcome {
  bool a = false;  // correct under condition A
  bool b = false;  // correct under condition B
};

// Percentile interval (level, e.g. 0.95) of accuracy(B) - accuracy(A) over
// `resamples` resamples drawn from a generator seeded with `seed`: the same
// inputs and seed give the same interval, on every standard library. Empty
// input: [0, 0]. A resample's difference depends only on how many of its n
// picks are pairs right under B alone and under A alone, so those counts are
// drawn directly (a multinomial draw, as two binomials): the same
// distribution as picking n pairs, at a cost independent of n.
Interval paired_bootstrap_difference(const std::vector<PairedOutcome>& pairs, uint64_t seed,
                                     int resamples = 2000, double level = 0.95);

}  // namespace privqa::report
