#include "privqa/dp/custext.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "privqa/dp/corpus_words.h"
#include "privqa/dp/exponential_mechanism.h"
#include "privqa/embed/knn.h"
#include "privqa/text/normalize.h"
#include "privqa/text/stopwords.h"
#include "privqa/text/tokenizer.h"

namespace privqa {
namespace {

// Neighbours fetched per word in the batched search; more are searched only
// when earlier sets used up too many of them.
constexpr size_t kPrefetchFactor = 3;
// Words searched together (one matrix product per batch).
constexpr size_t kSearchBatch = 256;

double cosine(std::span<const float> a, std::span<const float> b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
}

// nearest_batch on two threads (each half of the queries).
std::vector<std::vector<Neighbor>> search_in_parallel(const VectorSet& pool,
                                                      const std::vector<std::span<const float>>& qs,
                                                      size_t k) {
  const size_t half = qs.size() / 2;
  if (half == 0) return pool.nearest_batch(qs, k, Metric::kCosine);
  std::vector<std::span<const float>> second(qs.begin() + static_cast<ptrdiff_t>(half), qs.end());
  std::vector<std::vector<Neighbor>> second_result;
  std::thread helper([&] { second_result = pool.nearest_batch(second, k, Metric::kCosine); });
  auto out = pool.nearest_batch(
      std::vector<std::span<const float>>(qs.begin(), qs.begin() + static_cast<ptrdiff_t>(half)), k,
      Metric::kCosine);
  helper.join();
  for (auto& r : second_result)
    out.push_back(std::move(r));
  return out;
}

}  // namespace

Result<std::unique_ptr<CusText>> CusText::build(std::string name, ParamValues params,
                                                const EmbeddingTable& table,
                                                const std::vector<std::string>& corpus,
                                                const CusTextOptions& options) {
  CorpusWords words = corpus_words(table, corpus);
  if (words.rows.empty()) {
    return Error(name + ": none of the " + std::to_string(words.corpus_distinct) +
                 " distinct corpus words has an embedding; give a corpus in the embeddings' "
                 "language");
  }
  std::unique_ptr<CusText> mechanism(
      new CusText(std::move(name), std::move(params), table, options));
  mechanism->build_clusters(words.rows);
  return mechanism;
}

void CusText::build_clusters(const std::vector<uint32_t>& corpus_rows) {
  corpus_rows_ = corpus_rows;
  const EmbeddingTable& table = *table_;
  const size_t pool_head = options_.pool_size == 0 ? table.size() : options_.pool_size;
  std::vector<bool> in_pool(table.size(), false);
  std::vector<uint32_t> pool_rows;
  for (uint32_t row = 0, taken = 0; row < table.size() && taken < pool_head; ++row) {
    if (options_.word_rows_only && !is_single_word(table.word(row))) continue;
    in_pool[row] = true;
    ++taken;
  }
  // Corpus words are word tokens already.
  for (uint32_t row : corpus_rows)
    in_pool[row] = true;
  for (uint32_t row = 0; row < table.size(); ++row) {
    if (in_pool[row]) pool_rows.push_back(row);
  }
  const VectorSet pool(table, std::move(pool_rows));

  const size_t k = options_.top_k;
  std::vector<bool> used(table.size(), false);
  size_t used_count = 0;
  std::vector<float> all_distances;
  // Neighbours are fetched in batches of the next words still unmapped, so
  // words absorbed by earlier sets are never searched.
  std::vector<std::vector<Neighbor>> prefetched;
  std::vector<int32_t> slot(corpus_rows.size(), -1);  // position in prefetched
  size_t fetched_up_to = 0;
  for (size_t q = 0; q < corpus_rows.size(); ++q) {
    if (mapping_.count(corpus_rows[q])) continue;
    if (q >= fetched_up_to) {
      std::vector<std::span<const float>> batch;
      for (fetched_up_to = q; fetched_up_to < corpus_rows.size() && batch.size() < kSearchBatch;
           ++fetched_up_to) {
        if (mapping_.count(corpus_rows[fetched_up_to])) continue;
        slot[fetched_up_to] = static_cast<int32_t>(batch.size());
        batch.push_back(table.row(corpus_rows[fetched_up_to]));
      }
      prefetched = search_in_parallel(pool, batch, k * kPrefetchFactor);
    }
    std::vector<uint32_t> members;
    for (const Neighbor& n : prefetched[slot[q]]) {
      if (members.size() == k) break;
      if (!used[n.id]) members.push_back(n.id);
    }
    const size_t available = pool.size() - used_count;
    if (members.size() < std::min(k, available)) {
      // Earlier sets took too many prefetched neighbours: rank the whole pool.
      all_distances.resize(pool.size());
      pool.distances(table.row(corpus_rows[q]), Metric::kCosine, all_distances);
      std::vector<std::pair<float, uint32_t>> ranked;
      for (size_t i = 0; i < pool.size(); ++i) {
        if (!used[pool.ids()[i]]) ranked.emplace_back(all_distances[i], pool.ids()[i]);
      }
      const size_t take = std::min(k, ranked.size());
      std::partial_sort(ranked.begin(), ranked.begin() + take, ranked.end());
      members.clear();
      for (size_t i = 0; i < take; ++i)
        members.push_back(ranked[i].second);
    }
    const auto cluster = static_cast<uint32_t>(clusters_.size());
    for (uint32_t member : members) {
      used[member] = true;
      ++used_count;
      Mapping mapping{cluster, std::vector<float>(members.size())};
      std::vector<double> similarity(members.size());
      for (size_t j = 0; j < members.size(); ++j) {
        similarity[j] = cosine(table.row(member), table.row(members[j]));
      }
      const auto [low, high] = std::minmax_element(similarity.begin(), similarity.end());
      const double range = *high - *low;
      for (size_t j = 0; j < members.size(); ++j) {
        // A set of identical directions has no spread: every member equally useful.
        mapping.utility[j] = range > 0 ? static_cast<float>((similarity[j] - *low) / range) : 1.0f;
      }
      mapping_.emplace(member, std::move(mapping));
    }
    clusters_.push_back(std::move(members));
  }
  for (const auto& members : clusters_) {
    for (uint32_t member : members) {
      position_.emplace(member, mapped_rows_.size());
      mapped_rows_.push_back(member);
    }
  }
}

const std::vector<uint32_t>* CusText::candidates(uint32_t row) const {
  const auto it = mapping_.find(row);
  return it == mapping_.end() ? nullptr : &clusters_[it->second.cluster];
}

std::vector<double> CusText::scores(const Mapping& mapping, double eps) const {
  std::vector<double> out(mapping.utility.size());
  for (size_t j = 0; j < out.size(); ++j)
    out[j] = eps * mapping.utility[j] / 2;
  return out;
}

std::vector<double> CusText::replacement_probabilities(uint32_t row, double eps) const {
  return softmax(scores(mapping_.at(row), eps));
}

bool CusText::is_kept_stopword(uint32_t row) const {
  return options_.keep_stopwords && is_stopword(fold_case(table_->word(row)));
}

void CusText::channel_columns(std::span<const uint32_t> ys, double eps,
                              std::span<double> out) const {
  const size_t n = mapped_rows_.size();
  std::fill(out.begin(), out.end(), 0.0);
  for (size_t j = 0; j < ys.size(); ++j) {
    const auto it = mapping_.find(ys[j]);
    if (it == mapping_.end()) continue;  // outside every set: no input produces it
    const auto& members = clusters_[it->second.cluster];
    const size_t k =
        static_cast<size_t>(std::find(members.begin(), members.end(), ys[j]) - members.begin());
    for (uint32_t x : members) {
      double p = 0;
      if (is_kept_stopword(x)) {
        p = x == ys[j] ? 1.0 : 0.0;
      } else {
        p = replacement_probabilities(x, eps)[k];
      }
      out[j * n + position_.at(x)] = p;
    }
  }
}

std::vector<WordChannel::Distribution> CusText::channel_rows(std::span<const uint32_t> xs,
                                                             double eps) const {
  std::vector<Distribution> out;
  out.reserve(xs.size());
  for (uint32_t x : xs) {
    Distribution& row = out.emplace_back();
    if (is_kept_stopword(x)) {
      row.emplace_back(x, 1.0);
      continue;
    }
    const auto& members = clusters_[mapping_.at(x).cluster];
    const auto p = replacement_probabilities(x, eps);
    for (size_t k = 0; k < members.size(); ++k) {
      if (p[k] > 0) row.emplace_back(members[k], p[k]);
    }
  }
  return out;
}

Mechanism::Outcome CusText::sanitize_word(const Token& word, double eps, Rng& rng) const {
  const std::string folded = fold_case(word.text);
  if (options_.keep_stopwords && is_stopword(folded)) return {Action::kKeep, {}, false};
  const auto row = table_->lookup(folded);
  const auto it = row ? mapping_.find(*row) : mapping_.end();
  if (it == mapping_.end()) {
    if (!options_.replace_oov) return {Action::kKeep, {}, true};
    return {Action::kReplace, table_->word(corpus_rows_[rng.below(corpus_rows_.size())]), true};
  }
  const auto& members = clusters_[it->second.cluster];
  const uint32_t out = members[sample_softmax(scores(it->second, eps), rng)];
  if (out == *row) return {Action::kKeep, {}, false, true};
  return {Action::kReplace, table_->word(out), false, true};
}

Mechanism::Outcome CusText::sanitize_number(const Token& number, double, Rng& rng) const {
  // Decimal digits in, decimal digits out: the rounding and the sum are done
  // digit by digit, so no length overflows or loses precision. Only ASCII
  // digits with at most one '.' (',' separates thousands) are a value.
  std::string integer;
  bool round_up = false, seen_point = false, first_fraction_digit = true;
  for (char c : number.text) {
    if (c == ',') continue;
    if (c == '.') {
      if (seen_point) return {Action::kKeep, {}, false};
      seen_point = true;
    } else if (c < '0' || c > '9') {
      return {Action::kKeep, {}, false};
    } else if (!seen_point) {
      integer += c;
    } else if (first_fraction_digit) {
      round_up = c >= '5';  // half up: 2.5 -> 3
      first_fraction_digit = false;
    }
  }
  const size_t first_nonzero = integer.find_first_not_of('0');
  integer.erase(0, std::min(first_nonzero, integer.size() - 1));
  uint64_t carry = rng.below(1000) + (round_up ? 1 : 0);
  for (size_t i = integer.size(); i-- > 0 && carry > 0;) {
    carry += static_cast<uint64_t>(integer[i] - '0');
    integer[i] = static_cast<char>('0' + carry % 10);
    carry /= 10;
  }
  if (carry > 0) integer.insert(0, std::to_string(carry));
  return {Action::kReplace, std::move(integer), false};
}

}  // namespace privqa
