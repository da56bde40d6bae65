#include "privqa/dp/santext.h"

#include <algorithm>
#include <cmath>

#include "privqa/dp/corpus_words.h"

namespace privqa {
namespace {

// Memory for cached distance rows (4 bytes per sensitive word each) and
// sampling tables (8 bytes per sensitive word per (word, eps)).
constexpr size_t kDistanceBudgetBytes = size_t{192} << 20;
constexpr size_t kSamplerBudgetBytes = size_t{192} << 20;

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
      distance_rows_(kDistanceBudgetBytes),
      samplers_(kSamplerBudgetBytes) {
  for (size_t i = 0; i < vocabulary_.size(); ++i)
    index_.emplace(vocabulary_[i], i);
}

bool SanText::is_sensitive(uint32_t row) const {
  const auto it = index_.find(row);
  return it != index_.end() && it->second >= first_sensitive_;
}

std::shared_ptr<const SanText::DistanceRow> SanText::distances_to_sensitive(uint32_t row) const {
  return distance_rows_.get(row, [&] {
    DistanceRow d{std::vector<float>(sensitive_.size())};
    sensitive_.all(table_->row(row), d.values);
    const auto position = index_.at(row);
    if (position >= first_sensitive_) d.values[position - first_sensitive_] = 0;  // x itself
    return d;
  });
}

std::vector<double> SanText::weights(uint32_t row, double eps) const {
  const auto distances = distances_to_sensitive(row);
  const auto& d = distances->values;
  // exp(-eps d / 2), scaled by exp(eps d_min / 2) so the largest weight is 1.
  const double nearest = *std::min_element(d.begin(), d.end());
  std::vector<double> out(d.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = std::exp(-eps * (d[i] - nearest) / 2);
  return out;
}

std::vector<double> SanText::replacement_probabilities(uint32_t row, double eps) const {
  std::vector<double> out = weights(row, eps);
  double total = 0;
  for (double w : out)
    total += w;
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
  const auto sampler = samplers_.get(keys_.key(*row, eps), [&] {
    Cumulative c{weights(*row, eps)};
    for (size_t i = 1; i < c.values.size(); ++i)
      c.values[i] += c.values[i - 1];
    return c;
  });
  // Inverse CDF: the first y whose running sum exceeds u * total.
  const auto& sums = sampler->values;
  const double target = rng.uniform() * sums.back();
  const size_t pick = std::min<size_t>(
      std::upper_bound(sums.begin(), sums.end(), target) - sums.begin(), sums.size() - 1);
  const uint32_t out = sensitive_.rows()[pick];
  if (out == *row) return {Action::kKeep, {}, false};
  return {Action::kReplace, table_->word(out), false};
}

Mechanism::Outcome SanText::sanitize_word(const Token& word, double eps, Rng& rng) const {
  return decide(word, eps, rng);
}

Mechanism::Outcome SanText::sanitize_number(const Token& number, double eps, Rng& rng) const {
  return decide(number, eps, rng);
}

}  // namespace privqa
