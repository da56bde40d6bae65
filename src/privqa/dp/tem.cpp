#include "privqa/dp/tem.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "privqa/dp/corpus_words.h"

namespace privqa {
namespace {

// t(x, y) = min(d(x, y), gamma), with the mechanism's test for L_x.
double truncated(float distance, double gamma) {
  return distance <= gamma ? static_cast<double>(distance) : gamma;
}

// exp(-eps (t - smallest) / 2); 1 for t == smallest, also when both are
// -infinity (a one-word V, whose gamma is -infinity: its one word is output).
double relative_weight(double t, double smallest, double eps) {
  return t == smallest ? 1.0 : std::exp(-eps * (t - smallest) / 2);
}

}  // namespace

double tem_threshold(double eps, double beta, size_t vocabulary_size) {
  if (vocabulary_size < 2) return -std::numeric_limits<double>::infinity();
  return 2 / eps * std::log((1 - beta) * static_cast<double>(vocabulary_size - 1) / beta);
}

Result<std::unique_ptr<Tem>> Tem::build(std::string name, ParamValues params,
                                        const EmbeddingTable& table,
                                        const std::vector<std::string>& corpus,
                                        const TemOptions& options) {
  if (!(options.beta > 0 && options.beta < 1)) {
    return Error(name + ": beta = " + std::to_string(options.beta) + " must be in (0, 1)");
  }
  CorpusWords words = corpus_words(table, corpus);
  if (words.rows.empty()) {
    return Error(name + ": none of the " + std::to_string(words.corpus_distinct) +
                 " distinct corpus words has an embedding; give a corpus in the embeddings' "
                 "language");
  }
  return std::unique_ptr<Tem>(
      new Tem(std::move(name), std::move(params), table, std::move(words.rows), options));
}

Tem::Tem(std::string name, ParamValues params, const EmbeddingTable& table,
         std::vector<uint32_t> vocabulary, const TemOptions& options)
    : Mechanism(std::move(name), std::move(params)),
      table_(&table),
      options_(options),
      vocabulary_(table, std::move(vocabulary)),
      bucket_bytes_(vocabulary_.size()),
      cache_(options.cache_bytes) {
  for (size_t i = 0; i < vocabulary_.size(); ++i)
    position_.emplace(vocabulary_.rows()[i], static_cast<uint32_t>(i));
}

std::shared_ptr<const DistanceBuckets> Tem::distances(uint32_t row) const {
  return cache_.get(row, [&] {
    thread_local std::vector<float> d;  // reused: a fresh vector faults in its pages
    d.resize(vocabulary_.size());
    vocabulary_.all(table_->row(row), d);
    return DistanceBuckets(d, bucket_bytes_);
  });
}

void Tem::prepare(std::span<const Token> tokens) const {
  // Every word of the tokens with a vector whose distances are not cached,
  // kQueriesPerProduct to a matrix product (equal, bit for bit, to one word
  // at a time).
  const TextRows missing =
      text_rows(tokens, *table_, [&](uint32_t row) { return !cache_.find(row); });
  vocabulary_.for_each_query(missing.vectors, [&](size_t q, std::span<float> d) {
    cache_.get(missing.rows[q], [&] { return DistanceBuckets(d, bucket_bytes_); });
  });
}

Mechanism::Outcome Tem::decide(const Token& token, double eps, Rng& rng) const {
  const auto row = word_row(*table_, token.text);
  if (!row) {
    if (!options_.replace_oov) return {Action::kKeep, {}, true};
    return {Action::kReplace, table_->word(vocabulary()[rng.below(vocabulary_.size())]), true};
  }
  const std::span<const float> x = table_->row(*row);
  const size_t pick = distances(*row)->sample(
      eps, threshold(eps), [&](size_t i) { return vocabulary_.one(x, i); }, rng);
  const uint32_t out = vocabulary()[pick];
  if (out == *row) return {Action::kKeep, {}, false, true};
  return {Action::kReplace, table_->word(out), false, true};
}

std::shared_ptr<const Tem::Normalizers> Tem::normalizers(double eps) const {
  return normalizers_.get(eps, [&] {
    const size_t v = vocabulary_.size();
    const double gamma = threshold(eps);
    Normalizers n;
    n.smallest.resize(v);
    n.total.resize(v);
    std::vector<float> d;
    for (size_t begin = 0; begin < v; begin += kQueriesPerProduct) {
      const size_t end = std::min(v, begin + kQueriesPerProduct);
      vocabulary_.from_rows(*table_, std::span(vocabulary()).subspan(begin, end - begin), d);
      for (size_t i = begin; i < end; ++i) {
        const std::span<const float> row(d.data() + (i - begin) * v, v);
        const double smallest = truncated(*std::min_element(row.begin(), row.end()), gamma);
        double total = 0;
        for (float distance : row)
          total += relative_weight(truncated(distance, gamma), smallest, eps);
        n.smallest[i] = smallest;
        n.total[i] = total;
      }
    }
    return n;
  });
}

double Tem::probability(const Normalizers& n, size_t position, float distance, double gamma,
                        double eps) {
  return relative_weight(truncated(distance, gamma), n.smallest[position], eps) / n.total[position];
}

void Tem::channel_columns(std::span<const uint32_t> ys, double eps, std::span<double> out) const {
  const size_t v = vocabulary_.size();
  const auto n = normalizers(eps);
  const double gamma = threshold(eps);
  // d(y, x) with y as the query equals d(x, y) as sampling computes it, bit
  // for bit (dp/row_distances.h), so a column holds the sampled distances.
  std::vector<float> d;
  vocabulary_.from_rows(*table_, ys, d);
  for (size_t j = 0; j < ys.size(); ++j) {
    const std::span<double> column = out.subspan(j * v, v);
    if (position_.count(ys[j]) == 0) {  // outputs are words of V only
      std::fill(column.begin(), column.end(), 0.0);
      continue;
    }
    for (size_t i = 0; i < v; ++i)
      column[i] = probability(*n, i, d[j * v + i], gamma, eps);
  }
}

std::vector<WordChannel::Distribution> Tem::channel_rows(std::span<const uint32_t> xs,
                                                         double eps) const {
  const size_t v = vocabulary_.size();
  const auto n = normalizers(eps);
  const double gamma = threshold(eps);
  std::vector<float> d;
  vocabulary_.from_rows(*table_, xs, d);
  std::vector<Distribution> out(xs.size());
  for (size_t j = 0; j < xs.size(); ++j) {
    const size_t position = position_.at(xs[j]);
    out[j].reserve(v);
    for (size_t k = 0; k < v; ++k) {
      const double p = probability(*n, position, d[j * v + k], gamma, eps);
      if (p > 0) out[j].emplace_back(vocabulary()[k], p);
    }
  }
  return out;
}

Mechanism::Outcome Tem::sanitize_word(const Token& word, double eps, Rng& rng) const {
  return decide(word, eps, rng);
}

Mechanism::Outcome Tem::sanitize_number(const Token& number, double eps, Rng& rng) const {
  return decide(number, eps, rng);
}

}  // namespace privqa
