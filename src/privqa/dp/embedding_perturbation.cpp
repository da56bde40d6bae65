#include "privqa/dp/embedding_perturbation.h"

#include <fmt/format.h>

#include <algorithm>

#include "privqa/dp/corpus_words.h"
#include "privqa/text/tokenizer.h"

namespace privqa {

double vickrey_second_probability(double d1, double d2, double t) {
  const double denominator = t * d1 + (1 - t) * d2;
  return denominator > 0 ? t * d1 / denominator : t;
}

Result<std::unique_ptr<EmbeddingPerturbation>> EmbeddingPerturbation::build(
    std::string name, ParamValues params, const EmbeddingTable& table,
    const PerturbationOptions& options) {
  auto vocabulary = frequent_word_rows(table, options.vocab_size, name);
  if (!vocabulary) return vocabulary.error();
  return std::unique_ptr<EmbeddingPerturbation>(new EmbeddingPerturbation(
      std::move(name), std::move(params), table, std::move(*vocabulary), options));
}

EmbeddingPerturbation::EmbeddingPerturbation(std::string name, ParamValues params,
                                             const EmbeddingTable& table,
                                             std::vector<uint32_t> vocabulary,
                                             const PerturbationOptions& options)
    : Mechanism(std::move(name), std::move(params)),
      table_(&table),
      options_(options),
      distances_(table, std::move(vocabulary)) {
  if (options_.elliptical) {
    elliptical_.emplace(table.gather(distances_.rows()), table.dims(), options_.lambda);
  }
}

void EmbeddingPerturbation::draw_noise(double eps, Rng& rng, std::span<double> out) const {
  if (elliptical_) {
    elliptical_->draw(eps, rng, out);
  } else {
    draw_spherical_noise(eps, rng, out);
  }
}

std::vector<uint32_t> EmbeddingPerturbation::project(std::span<const float> noisy, Rng& rng) const {
  std::vector<BlockedRows::Nearest> nearest(noisy.size() / table_->dims());
  distances_.nearest_two(noisy, nearest);
  std::vector<uint32_t> out;
  out.reserve(nearest.size());
  for (const BlockedRows::Nearest& n : nearest) {
    uint32_t pick = n.first;
    if (options_.t > 0 && rng.uniform() < vickrey_second_probability(
                                              n.first_distance, n.second_distance, options_.t)) {
      pick = n.second;
    }
    out.push_back(distances_.rows()[pick]);
  }
  return out;
}

std::vector<Mechanism::Outcome> EmbeddingPerturbation::decide(std::span<const Token> tokens,
                                                              double eps, Rng& rng) const {
  const size_t dims = table_->dims();
  std::vector<Outcome> out;
  std::vector<std::optional<uint32_t>> rows;  // per outcome: the word's row, if perturbed
  std::vector<float> noisy;
  std::vector<double> noise(dims);
  for (const Token& token : tokens) {
    if (token.kind == TokenKind::kNumber) {
      out.push_back({Action::kKeep, {}, false});
      rows.emplace_back();
    } else if (token.kind == TokenKind::kWord) {
      const auto row = word_row(*table_, token.text);
      if (!row) {
        out.push_back({options_.drop_oov ? Action::kDrop : Action::kKeep, {}, true});
        rows.emplace_back();
        continue;
      }
      draw_noise(eps, rng, noise);
      const auto vector = table_->row(*row);
      for (size_t j = 0; j < dims; ++j)
        noisy.push_back(static_cast<float>(vector[j] + noise[j]));
      out.push_back({Action::kKeep, {}, false, /*sampled=*/true});
      rows.push_back(row);
    }
  }
  const std::vector<uint32_t> chosen = project(noisy, rng);
  for (size_t i = 0, next = 0; i < out.size(); ++i) {
    if (!rows[i]) continue;
    const uint32_t pick = chosen[next++];
    if (pick != *rows[i]) out[i] = {Action::kReplace, table_->word(pick), false, true};
  }
  return out;
}

Mechanism::Outcome EmbeddingPerturbation::sanitize_word(const Token& word, double eps,
                                                        Rng& rng) const {
  return decide(std::span(&word, 1), eps, rng).front();
}

Mechanism::Outcome EmbeddingPerturbation::sanitize_number(const Token&, double, Rng&) const {
  return {Action::kKeep, {}, false};
}

}  // namespace privqa
