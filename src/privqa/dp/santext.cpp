#include "privqa/dp/santext.h"

#include <algorithm>
#include <cmath>

#include "privqa/dp/corpus_words.h"

namespace privqa {

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
  const auto position = index_.at(row);
  if (position >= first_sensitive_) distances[position - first_sensitive_] = 0;  // x itself
  return Neighborhood(distances, buckets_);
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
  sensitive_.for_each_query(missing.vectors, [&](size_t q, std::span<float> d) {
    const uint32_t row = missing.rows[q];
    neighborhoods_.get(row, [&] { return make_neighborhood(row, d); });
  });
}

std::vector<double> SanText::replacement_probabilities(uint32_t row, double eps) const {
  const auto n = neighborhood(row);
  // exp(-eps d / 2), scaled by exp(eps d_min / 2) so the largest weight is 1.
  std::vector<double> out(sensitive_.size());
  double total = 0;
  for (size_t i = 0; i < out.size(); ++i)
    total += out[i] = std::exp(-eps * (distance(row, i) - n->nearest()) / 2);
  for (double& w : out)
    w /= total;
  return out;
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
  const size_t pick = neighborhood(*row)->sample(
      eps, Neighborhood::kNoCap, [&](size_t i) { return distance(*row, i); }, rng);
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
