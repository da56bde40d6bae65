#include "privqa/dp/inferdpt.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "privqa/dp/corpus_words.h"
#include "privqa/dp/exponential_mechanism.h"

namespace privqa {
namespace {

// Nearest candidates kept per word (eps-independent), and the memory for them
// (8 bytes per candidate).
constexpr size_t kNearestKept = 1024;
constexpr size_t kNearestBudgetBytes = size_t{64} << 20;

bool is_single_word(const std::string& text) {
  const auto tokens = tokenize(text);
  return tokens.size() == 1 && tokens[0].kind == TokenKind::kWord;
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
  std::vector<uint32_t> vocabulary;
  for (uint32_t row = 0; row < table.size() && vocabulary.size() < options.vocab_size; ++row) {
    if (is_single_word(table.word(row))) vocabulary.push_back(row);
  }
  if (vocabulary.size() < 2) {
    return Error(fmt::format("{}: the embeddings have {} word rows; at least 2 are needed", name,
                             vocabulary.size()));
  }
  return std::unique_ptr<InferDpt>(
      new InferDpt(std::move(name), std::move(params), table, std::move(vocabulary), options));
}

InferDpt::InferDpt(std::string name, ParamValues params, const EmbeddingTable& table,
                   std::vector<uint32_t> vocabulary, const InferDptOptions& options)
    : Mechanism(std::move(name), std::move(params)),
      table_(&table),
      options_(options),
      vocabulary_(std::move(vocabulary)),
      vocabulary_distances_(table, vocabulary_),
      sensitivity_(table.dims()),
      vocabulary_position_(table.size(), -1),
      nearest_(kNearestBudgetBytes) {
  vocabulary_rows_.reserve(vocabulary_.size() * table.dims());
  for (size_t i = 0; i < vocabulary_.size(); ++i) {
    vocabulary_position_[vocabulary_[i]] = static_cast<int32_t>(i);
    const auto row = table.row(vocabulary_[i]);
    vocabulary_rows_.insert(vocabulary_rows_.end(), row.begin(), row.end());
  }
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
  if (!(radius > 0)) return {Action::kKeep, {}, false};  // zero noise: only x is within reach
  const int32_t position = vocabulary_position_[*row];
  const size_t n = vocabulary_.size() + 1;
  const size_t pick = inferdpt_select(
      n, radius, eps, rng, [&](size_t i) { return candidate_distance(*row, position, i); },
      [&] { return within(*row, position, radius); });
  if (pick == vocabulary_.size() || vocabulary_[pick] == *row) return {Action::kKeep, {}, false};
  return {Action::kReplace, table_->word(vocabulary_[pick]), false};
}

std::vector<float> InferDpt::all_distances(uint32_t x, int32_t x_position) const {
  std::vector<float> d(vocabulary_.size() + 1);
  vocabulary_distances_.all(table_->row(x), std::span<float>(d.data(), vocabulary_.size()));
  d.back() = candidate_distance(x, x_position, vocabulary_.size());
  if (x_position >= 0) d[x_position] = 0;
  return d;
}

std::vector<Reachable> InferDpt::within(uint32_t x, int32_t x_position, double radius) const {
  const auto list = nearest_.get(x, [&] {
    const std::vector<float> d = all_distances(x, x_position);
    std::vector<Reachable> all(d.size());
    for (size_t i = 0; i < d.size(); ++i)
      all[i] = {static_cast<uint32_t>(i), d[i]};
    auto closer = [](const Reachable& a, const Reachable& b) { return a.distance < b.distance; };
    const size_t kept = std::min(kNearestKept, all.size());
    std::nth_element(all.begin(), all.begin() + static_cast<ptrdiff_t>(kept), all.end(), closer);
    NearestList out;
    out.horizon = kept < all.size() ? all[kept].distance : INFINITY;
    out.nearest.assign(all.begin(), all.begin() + static_cast<ptrdiff_t>(kept));  // exact size
    std::sort(out.nearest.begin(), out.nearest.end(), closer);
    return out;
  });
  std::vector<Reachable> out;
  if (radius < list->horizon) {
    for (const Reachable& c : list->nearest) {
      if (c.distance > radius) break;
      out.push_back(c);
    }
    return out;
  }
  // Beyond the kept neighbours: rank everything again (not cached).
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
  const float* b = vocabulary_rows_.data() + i * a.size();
  double sum = 0;
  for (size_t j = 0; j < a.size(); ++j) {
    const double diff = static_cast<double>(a[j]) - b[j];
    sum += diff * diff;
  }
  return static_cast<float>(std::sqrt(sum));
}

Mechanism::Outcome InferDpt::sanitize_number(const Token&, double, Rng& rng) const {
  return {Action::kReplace, std::to_string(1 + rng.below(1000)), false};
}

}  // namespace privqa
