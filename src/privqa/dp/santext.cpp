#include "privqa/dp/santext.h"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>

#include "privqa/dp/corpus_words.h"
#include "privqa/dp/exponential_mechanism.h"

namespace privqa {
namespace {

// A bucket's lower edge is lowered by this share of its width, more than the
// float rounding of the bucket index can move a member (about 1e-4 of a
// width), so every member's weight is at most its bucket's bound.
constexpr double kEdgeSlack = 1.0 / 1024;
constexpr int kMaxProposals = 64;

// The position of the j-th (from 0) entry equal to k; there is one. Chunks
// are counted first (a vectorized sum), so only one chunk is walked.
size_t nth_in_bucket(std::span<const uint8_t> bucket, uint8_t k, size_t j) {
  constexpr size_t kChunk = 64;
  size_t begin = 0;
  for (; begin + kChunk <= bucket.size(); begin += kChunk) {
    // Byte-wide, so that the count compiles to vector compares.
    uint8_t count = 0;
    for (size_t i = begin; i < begin + kChunk; ++i)
      count += bucket[i] == k;
    if (j < count) break;
    j -= count;
  }
  for (size_t i = begin;; ++i) {
    if (bucket[i] == k && j-- == 0) return i;
  }
}

}  // namespace

Result<std::unique_ptr<SanText>> SanText::build(std::string name, ParamValues params,
                                                const EmbeddingTable& table,
                                                const std::vector<std::string>& corpus,
                                                const SanTextOptions& options) {
  CorpusWords words = corpus_words(table, corpus);
  if (words.rows.empty()) {
    return Error(name + ": none of the " + std::to_string(words.corpus_distinct) +
                 " distinct corpus words has an embedding; give a corpus in the embeddings' "
                 "language");
  }
  const double exact = options.sensitive_ratio * static_cast<double>(words.rows.size());
  const size_t sensitive_count =
      std::clamp<size_t>(static_cast<size_t>(std::ceil(exact - 1e-9)), 1, words.rows.size());
  return std::unique_ptr<SanText>(new SanText(std::move(name), std::move(params), table,
                                              std::move(words.rows), sensitive_count, options));
}

SanText::SanText(std::string name, ParamValues params, const EmbeddingTable& table,
                 std::vector<uint32_t> vocabulary, size_t sensitive_count,
                 const SanTextOptions& options)
    : Mechanism(std::move(name), std::move(params)),
      table_(&table),
      options_(options),
      vocabulary_(std::move(vocabulary)),
      first_sensitive_(vocabulary_.size() - sensitive_count),
      sensitive_(table,
                 std::vector<uint32_t>(vocabulary_.begin() + first_sensitive_, vocabulary_.end())),
      buckets_(sensitive_count),
      neighborhoods_(options.cache_bytes) {
  for (size_t i = 0; i < vocabulary_.size(); ++i)
    index_.emplace(vocabulary_[i], i);
}

bool SanText::is_sensitive(uint32_t row) const {
  const auto it = index_.find(row);
  return it != index_.end() && it->second >= first_sensitive_;
}

SanText::Neighborhood SanText::make_neighborhood(uint32_t row, std::span<float> distances) const {
  constexpr size_t kBuckets = Neighborhood::kBuckets;
  const auto position = index_.at(row);
  if (position >= first_sensitive_) distances[position - first_sensitive_] = 0;  // x itself
  Neighborhood n;
  float low = distances.empty() ? 0.0f : distances[0], high = low;
  for (float d : distances) {  // plain loops: vectorized
    low = std::min(low, d);
    high = std::max(high, d);
  }
  n.nearest = low;
  const double range = static_cast<double>(high) - low;
  n.width = range / kBuckets;
  // No spread (or one too small for a float scale): a single bucket.
  if (!(1.0 / n.width < FLT_MAX)) n.width = 1.0;
  const auto scale = static_cast<float>(1.0 / n.width);
  // Bucket sizes; four histograms, so that runs of one bucket do not wait on
  // each other's increments. The bucket bytes are indexed through a local
  // span: a byte store may alias the member pointer, so indexing through it
  // reloads the pointer after each store.
  n.members = distances.size();
  n.bucket = buckets_.allocate();
  const std::span<uint8_t> bucket(n.bucket.get(), n.members);
  for (size_t i = 0; i < distances.size(); ++i) {
    const float t = (distances[i] - n.nearest) * scale;
    bucket[i] = t < kBuckets - 1 ? static_cast<uint8_t>(t) : kBuckets - 1;
  }
  uint32_t counts[4][kBuckets] = {};
  size_t c = 0;
  for (; c + 4 <= bucket.size(); c += 4) {
    ++counts[0][bucket[c]];
    ++counts[1][bucket[c + 1]];
    ++counts[2][bucket[c + 2]];
    ++counts[3][bucket[c + 3]];
  }
  for (; c < bucket.size(); ++c)
    ++counts[0][bucket[c]];
  n.start[0] = 0;
  for (size_t k = 0; k < kBuckets; ++k)
    n.start[k + 1] = n.start[k] + counts[0][k] + counts[1][k] + counts[2][k] + counts[3][k];
  return n;
}

std::vector<uint32_t> SanText::bucket_order(const Neighborhood& n) const {
  std::vector<uint32_t> next(n.start.begin(), n.start.end() - 1);
  std::vector<uint32_t> out(n.members);
  for (size_t i = 0; i < n.members; ++i)
    out[next[n.bucket[i]]++] = static_cast<uint32_t>(i);
  return out;
}

float SanText::distance(uint32_t row, size_t i) const {
  return sensitive_.rows()[i] == row ? 0.0f : sensitive_.one(table_->row(row), i);
}

std::shared_ptr<const SanText::Neighborhood> SanText::neighborhood(uint32_t row) const {
  return neighborhoods_.get(row, [&] {
    thread_local std::vector<float> d;
    d.resize(sensitive_.size());
    sensitive_.all(table_->row(row), d);
    return make_neighborhood(row, d);
  });
}

void SanText::prepare(std::span<const Token> tokens) const {
  // Every vocabulary word of the tokens whose neighbourhood is not cached,
  // kQueriesPerProduct to a matrix product (the distances equal those
  // computed one at a time).
  const TextRows missing = text_rows(tokens, *table_, [&](uint32_t row) {
    return index_.count(row) != 0 && !neighborhoods_.find(row);
  });
  const size_t s = sensitive_.size();
  const size_t dims = table_->dims();
  thread_local std::vector<float> d;  // reused: see make_neighborhood
  for (size_t begin = 0; begin < missing.rows.size(); begin += kQueriesPerProduct) {
    const size_t count = std::min(kQueriesPerProduct, missing.rows.size() - begin);
    d.resize(count * s);
    sensitive_.many(std::span(missing.vectors).subspan(begin * dims, count * dims), d);
    for (size_t i = 0; i < count; ++i) {
      const uint32_t row = missing.rows[begin + i];
      neighborhoods_.get(row,
                         [&] { return make_neighborhood(row, std::span(d).subspan(i * s, s)); });
    }
  }
}

std::vector<double> SanText::replacement_probabilities(uint32_t row, double eps) const {
  const auto n = neighborhood(row);
  // exp(-eps d / 2), scaled by exp(eps d_min / 2) so the largest weight is 1.
  std::vector<double> out(sensitive_.size());
  double total = 0;
  for (size_t i = 0; i < out.size(); ++i)
    total += out[i] = std::exp(-eps * (distance(row, i) - n->nearest) / 2);
  for (double& w : out)
    w /= total;
  return out;
}

size_t SanText::sample(const Neighborhood& n, uint32_t row, double eps, Rng& rng) const {
  constexpr size_t kBuckets = Neighborhood::kBuckets;
  static_assert(kBuckets % 8 == 0, "the bounds are computed eight at a time");
  // Bucket k's bound, the weight of a member at its (lowered) lower edge
  // relative to the nearest's: exp(-eps edge(k) / 2) = b_0 r^k; its proposal
  // mass is size_k times that. The powers are products, computed afresh for
  // each draw: 256 multiplications cost less than keeping a table per
  // (word, eps), and differ from exp() by a few hundred roundings (1e-13
  // relative) at most.
  auto edge = [&](size_t k) { return (static_cast<double>(k) - kEdgeSlack) * n.width; };
  const double r = std::exp(-eps * n.width / 2);
  std::array<double, kBuckets> mass;
  // Eight powers at a time: eight independent products instead of a chain.
  std::array<double, 8> lane;
  lane[0] = std::exp(-eps * edge(0) / 2);
  for (size_t j = 1; j < lane.size(); ++j)
    lane[j] = lane[j - 1] * r;
  const double r2 = r * r;
  const double step = r2 * r2 * r2 * r2;  // r^8
  double total = 0;
  for (size_t k = 0; k < kBuckets; k += lane.size()) {
    for (size_t j = 0; j < lane.size(); ++j) {
      mass[k + j] = (n.start[k + j + 1] - n.start[k + j]) * lane[j];
      lane[j] *= step;
    }
  }
  for (double m : mass)
    total += m;
  for (int attempt = 0; attempt < kMaxProposals; ++attempt) {
    double u = rng.uniform() * total;
    size_t k = 0;
    while (k + 1 < kBuckets && (mass[k] == 0 || u >= mass[k])) {
      u -= mass[k];
      ++k;
    }
    // Rounding can carry u past the last non-empty bucket: step back to it.
    while (mass[k] == 0)
      --k;
    const size_t i =
        nth_in_bucket(n.buckets(), static_cast<uint8_t>(k), rng.below(n.start[k + 1] - n.start[k]));
    // Weight over the bound: exp(-eps (d - nearest - edge) / 2) <= 1.
    const double excess =
        std::max(0.0, static_cast<double>(distance(row, i)) - n.nearest - edge(k));
    if (rng.uniform() < std::exp(-eps * excess / 2)) return i;
  }
  const std::vector<uint32_t> order = bucket_order(n);
  std::vector<double> weights(order.size());
  for (size_t i = 0; i < weights.size(); ++i)
    weights[i] = std::exp(-eps * (distance(row, order[i]) - n.nearest) / 2);
  return order[sample_weighted(weights, rng)];
}

Mechanism::Outcome SanText::decide(const Token& token, double eps, Rng& rng) const {
  const auto row = word_row(*table_, token.text);
  const auto it = row ? index_.find(*row) : index_.end();
  if (it == index_.end()) {
    if (!options_.replace_oov) return {Action::kKeep, {}, true};
    return {Action::kReplace, table_->word(vocabulary_[rng.below(vocabulary_.size())]), true};
  }
  const bool sensitive = it->second >= first_sensitive_;
  if (!sensitive && rng.uniform() >= options_.p) return {Action::kKeep, {}, false};
  const size_t pick = sample(*neighborhood(*row), *row, eps, rng);
  const uint32_t out = sensitive_.rows()[pick];
  if (out == *row) return {Action::kKeep, {}, false, true};
  return {Action::kReplace, table_->word(out), false, true};
}

void SanText::distances_to_sensitive(std::span<const uint32_t> rows,
                                     std::vector<float>& out) const {
  sensitive_.from_rows(*table_, rows, out);
  const size_t s = sensitive_.size();
  for (size_t i = 0; i < rows.size(); ++i) {
    const size_t position = index_.at(rows[i]);
    if (position >= first_sensitive_) out[i * s + position - first_sensitive_] = 0;
  }
}

std::shared_ptr<const SanText::Normalizers> SanText::normalizers(double eps) const {
  return normalizers_.get(eps, [&] {
    Normalizers n;
    n.nearest.resize(vocabulary_.size());
    n.total.resize(vocabulary_.size());
    const size_t s = sensitive_.size();
    std::vector<float> d;
    for (size_t begin = 0; begin < vocabulary_.size(); begin += kQueriesPerProduct) {
      const size_t end = std::min(vocabulary_.size(), begin + kQueriesPerProduct);
      distances_to_sensitive(std::span(vocabulary_).subspan(begin, end - begin), d);
      for (size_t i = begin; i < end; ++i) {
        const std::span<const float> row(d.data() + (i - begin) * s, s);
        const float nearest = *std::min_element(row.begin(), row.end());
        double total = 0;
        for (float distance : row)
          total += std::exp(-eps * (distance - nearest) / 2);
        n.nearest[i] = nearest;
        n.total[i] = total;
      }
    }
    return n;
  });
}

void SanText::channel_columns(std::span<const uint32_t> ys, double eps,
                              std::span<double> out) const {
  const size_t v = vocabulary_.size();
  const auto n = normalizers(eps);
  {
    std::lock_guard lock(channel_mutex_);
    if (!vocabulary_distances_) {
      vocabulary_distances_ = std::make_unique<RowDistances>(*table_, vocabulary_);
    }
  }
  std::vector<float> d;
  vocabulary_distances_->from_rows(*table_, ys, d);
  for (size_t j = 0; j < ys.size(); ++j) {
    const std::span<double> column = out.subspan(j * v, v);
    std::fill(column.begin(), column.end(), 0.0);
    const auto it = index_.find(ys[j]);
    if (it == index_.end()) continue;  // no word of V is replaced by or kept as y
    if (it->second < first_sensitive_) {
      column[it->second] = 1 - options_.p;  // only y itself, kept
      continue;
    }
    for (size_t i = 0; i < v; ++i) {
      const float distance = i == it->second ? 0.0f : d[j * v + i];
      const double q = std::exp(-eps * (distance - n->nearest[i]) / 2) / n->total[i];
      column[i] = i >= first_sensitive_ ? q : options_.p * q;
    }
  }
}

std::vector<WordChannel::Distribution> SanText::channel_rows(std::span<const uint32_t> xs,
                                                             double eps) const {
  const auto n = normalizers(eps);
  const size_t s = sensitive_.size();
  std::vector<float> d;
  distances_to_sensitive(xs, d);
  std::vector<Distribution> out(xs.size());
  for (size_t j = 0; j < xs.size(); ++j) {
    const size_t i = index_.at(xs[j]);
    const double share = i >= first_sensitive_ ? 1.0 : options_.p;
    Distribution& row = out[j];
    row.reserve(s + 1);
    for (size_t k = 0; k < s; ++k) {
      const double q = std::exp(-eps * (d[j * s + k] - n->nearest[i]) / 2) / n->total[i];
      if (share * q > 0) row.emplace_back(sensitive_.rows()[k], share * q);
    }
    if (share < 1) row.emplace_back(xs[j], 1 - share);  // kept; x is not in S
  }
  return out;
}

Mechanism::Outcome SanText::sanitize_word(const Token& word, double eps, Rng& rng) const {
  return decide(word, eps, rng);
}

Mechanism::Outcome SanText::sanitize_number(const Token& number, double eps, Rng& rng) const {
  return decide(number, eps, rng);
}

}  // namespace privqa
