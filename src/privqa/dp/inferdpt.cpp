#include "privqa/dp/inferdpt.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "privqa/base/target_clones.h"
#include "privqa/dp/corpus_words.h"
#include "privqa/dp/exponential_mechanism.h"
#include "privqa/text/tokenizer.h"

namespace privqa {
namespace {

// Nearest candidates kept per word (eps-independent; at least this many, as
// whole distance bins are kept; 8 bytes per candidate).
constexpr size_t kNearestKept = 2048;
// Distance bins between 0 and the farthest candidate: the list keeps whole
// bins, and a draw looks only at the bins up to its radius.
constexpr size_t kCutBins = 1024;

size_t bin_of(float distance, float scale) {
  const float t = distance * scale;
  return t < kCutBins - 1 ? static_cast<size_t>(t) : kCutBins - 1;  // also for inf
}

// |a - b|^2 in float with 16 independent partial sums, so that it vectorizes
// (the widest instruction set is chosen at load time).
PRIVQA_TARGET_CLONES float squared_distance(const float* a, const float* b, size_t n) {
  float partial[16] = {};
  size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    for (size_t k = 0; k < 16; ++k) {
      const float diff = a[j + k] - b[j + k];
      partial[k] += diff * diff;
    }
  }
  for (size_t k = 0; j < n; ++j, ++k) {
    const float diff = a[j] - b[j];
    partial[k] += diff * diff;
  }
  float sum = 0;
  for (float p : partial)
    sum += p;
  return sum;
}

}  // namespace

double inferdpt_noise_divisor(InferDptNoise noise, double eps) {
  if (noise == InferDptNoise::kLaplace || eps < 2) return eps;
  const double argument = 19.064721649556482 * eps - 38.1294334077209;
  if (argument <= 0) return eps;
  const double fitted = 0.01658160142016071 * std::log(argument) + 9.311083811697406;
  return fitted > 0 ? fitted : eps;
}

size_t inferdpt_select(std::span<const float> distances, double radius, double eps, Rng& rng) {
  return inferdpt_select(
      distances.size(), radius, eps, rng, [&](size_t i) { return distances[i]; },
      [&] {
        std::vector<Reachable> out;
        for (size_t i = 0; i < distances.size(); ++i) {
          if (distances[i] <= radius) out.push_back({static_cast<uint32_t>(i), distances[i]});
        }
        return out;
      });
}

Result<std::unique_ptr<InferDpt>> InferDpt::build(std::string name, ParamValues params,
                                                  const EmbeddingTable& table,
                                                  const InferDptOptions& options) {
  auto vocabulary = frequent_word_rows(table, options.vocab_size, name);
  if (!vocabulary) return vocabulary.error();
  return std::unique_ptr<InferDpt>(
      new InferDpt(std::move(name), std::move(params), table, std::move(*vocabulary), options));
}

InferDpt::InferDpt(std::string name, ParamValues params, const EmbeddingTable& table,
                   std::vector<uint32_t> vocabulary, const InferDptOptions& options)
    : Mechanism(std::move(name), std::move(params)),
      table_(&table),
      options_(options),
      vocabulary_(std::move(vocabulary)),
      vocabulary_distances_(table, vocabulary_),
      vocabulary_rows_(table.gather(vocabulary_)),
      sensitivity_(table.dims()),
      vocabulary_position_(table.size(), -1),
      nearest_(options.cache_bytes) {
  for (size_t i = 0; i < vocabulary_.size(); ++i)
    vocabulary_position_[vocabulary_[i]] = static_cast<int32_t>(i);
  for (size_t j = 0; j < table.dims(); ++j) {
    double low = INFINITY, high = -INFINITY;
    for (uint32_t row : vocabulary_) {
      low = std::min<double>(low, table.row(row)[j]);
      high = std::max<double>(high, table.row(row)[j]);
    }
    sensitivity_[j] = high - low;
  }
}

Mechanism::Outcome InferDpt::sanitize_word(const Token& word, double eps, Rng& rng) const {
  const auto row = word_row(*table_, word.text);
  if (!row) return {options_.drop_oov ? Action::kDrop : Action::kKeep, {}, true};
  const double divisor = inferdpt_noise_divisor(options_.noise, eps);
  double squared = 0;
  for (double delta : sensitivity_) {
    const double noise = rng.laplace(delta / divisor);
    squared += noise * noise;
  }
  const double radius = std::sqrt(squared);
  // Zero noise: only x is within reach.
  if (!(radius > 0)) return {Action::kKeep, {}, false, true};
  const int32_t position = vocabulary_position_[*row];
  const size_t n = vocabulary_.size() + 1;
  const size_t pick = inferdpt_select(
      n, radius, eps, rng, [&](size_t i) { return candidate_distance(*row, position, i); },
      [&] { return within(*row, position, radius); });
  if (pick == vocabulary_.size() || vocabulary_[pick] == *row) {
    return {Action::kKeep, {}, false, true};
  }
  return {Action::kReplace, table_->word(vocabulary_[pick]), false, true};
}

std::vector<float> InferDpt::all_distances(uint32_t x, int32_t x_position) const {
  std::vector<float> d(vocabulary_.size() + 1);
  vocabulary_distances_.all(table_->row(x), std::span<float>(d.data(), vocabulary_.size()));
  d.back() = candidate_distance(x, x_position, vocabulary_.size());
  if (x_position >= 0) d[x_position] = 0;
  return d;
}

InferDpt::NearestList InferDpt::nearest_list(std::vector<float> d) const {
  NearestList out;
  float farthest = 0;
  for (float v : d) {
    if (v < INFINITY) farthest = std::max(farthest, v);
  }
  out.scale = kCutBins / std::max(farthest, 1e-30f);
  // Histogram, then the bins needed to hold kNearestKept candidates.
  std::vector<uint32_t> count(kCutBins + 1, 0);  // the last one: out of reach
  std::vector<uint16_t> bin(d.size());
  for (size_t i = 0; i < d.size(); ++i) {
    bin[i] = static_cast<uint16_t>(d[i] < INFINITY ? bin_of(d[i], out.scale) : kCutBins);
    ++count[bin[i]];
  }
  size_t kept_bins = 0, running = 0;
  while (kept_bins < kCutBins && running < kNearestKept)
    running += count[kept_bins++];
  // Counting sort of the kept bins.
  out.bin_end.resize(kept_bins);
  std::vector<uint32_t> next(kept_bins);
  for (size_t b = 0, total = 0; b < kept_bins; ++b) {
    next[b] = static_cast<uint32_t>(total);
    total += count[b];
    out.bin_end[b] = static_cast<uint32_t>(total);
  }
  out.nearest.resize(running);
  for (size_t i = 0; i < d.size(); ++i) {
    if (bin[i] < kept_bins) out.nearest[next[bin[i]]++] = {static_cast<uint32_t>(i), d[i]};
  }
  return out;
}

std::shared_ptr<const InferDpt::NearestList> InferDpt::nearest(uint32_t x,
                                                               int32_t x_position) const {
  return nearest_.get(x, [&] { return nearest_list(all_distances(x, x_position)); });
}

std::vector<Reachable> InferDpt::within(uint32_t x, int32_t x_position, double radius) const {
  std::vector<Reachable> out;
  const auto list = nearest(x, x_position);
  if (bin_of(static_cast<float>(radius), list->scale) < list->bin_end.size()) {
    // Only list members are within reach, and only in the bins up to the
    // radius's own.
    const size_t prefix = list->bin_end[bin_of(static_cast<float>(radius), list->scale)];
    for (size_t j = 0; j < prefix; ++j) {
      if (list->nearest[j].distance <= radius) out.push_back(list->nearest[j]);
    }
    return out;
  }
  // Beyond the kept neighbours: all distances again (not cached).
  const std::vector<float> d = all_distances(x, x_position);
  for (size_t i = 0; i < d.size(); ++i) {
    if (d[i] <= radius) out.push_back({static_cast<uint32_t>(i), d[i]});
  }
  return out;
}

float InferDpt::candidate_distance(uint32_t x, int32_t x_position, size_t i) const {
  if (i == vocabulary_.size()) return x_position < 0 ? 0.0f : INFINITY;
  if (static_cast<int32_t>(i) == x_position) return 0.0f;
  const auto a = table_->row(x);
  return std::sqrt(squared_distance(a.data(), vocabulary_rows_.data() + i * a.size(), a.size()));
}

Mechanism::Outcome InferDpt::sanitize_number(const Token&, double, Rng& rng) const {
  return {Action::kReplace, std::to_string(1 + rng.below(1000)), false};
}

}  // namespace privqa
