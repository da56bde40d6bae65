// An exact word channel: a word-level mechanism whose output distribution
// Pr(M(x) = y) at a given eps is known in closed form for every input word x
// of a fixed vocabulary, so that an adversary who knows the mechanism can
// invert it (attack/, docs/privacy.md). Words are embedding-table rows; a
// token stands for the row of its case-folded form (dp/corpus_words.h
// word_row). The distribution includes the rules that keep a word without
// sampling (SanText+'s non-sensitive words, CusText+'s stopwords).
//
// Contract: Pr(.|x) sums to 1 over table rows for every input x; word tokens
// outside the inputs are not handled by the channel (the mechanism keeps or
// replaces them whatever the eps). Implementations compute columns on
// demand, never a |V| x |V| matrix, and are safe to call from several threads.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace privqa {

class WordChannel {
 public:
  virtual ~WordChannel() = default;

  // The input vocabulary: distinct table rows.
  virtual const std::vector<uint32_t>& channel_inputs() const = 0;
  // Columns of the channel for several outputs at once (batched, so that
  // distance-based channels read their vectors once per batch):
  // out[j * n + i] = Pr(M(x_i) = ys[j]) for x_i = channel_inputs()[i],
  // n = channel_inputs().size(); out.size() must be ys.size() * n. An output
  // is any table row (a zero column when no input can produce it). eps must
  // be valid (check_epsilon).
  virtual void channel_columns(std::span<const uint32_t> ys, double eps,
                               std::span<double> out) const = 0;
  // The output distribution of each of xs (batched likewise): (row,
  // probability > 0) pairs, distinct rows, probabilities summing to 1. Each
  // x must be one of channel_inputs().
  using Distribution = std::vector<std::pair<uint32_t, double>>;
  virtual std::vector<Distribution> channel_rows(std::span<const uint32_t> xs,
                                                 double eps) const = 0;
};

}  // namespace privqa
