#include <random>
#include <set>
#include <unordered_map>

#include "privqa/data/dataset.h"

namespace privqa {

namespace {

// Uniform double in [0, 1) from 53 random bits: the same on every platform,
// unlike std::uniform_real_distribution.
double unit_uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// Selection sampling (Knuth, TAOCP vol. 2, Algorithm S): each subset of size
// n is equally likely and the kept items stay in file order.
std::vector<Question> sample_in_order(std::vector<Question> in, size_t n, uint64_t seed) {
  if (n >= in.size()) return in;
  std::mt19937_64 rng(seed);
  std::vector<Question> out;
  out.reserve(n);
  const size_t total = in.size();
  for (size_t seen = 0; seen < total && out.size() < n; ++seen) {
    const double remaining = static_cast<double>(total - seen);
    const double needed = static_cast<double>(n - out.size());
    if (remaining * unit_uniform(rng) < needed) out.push_back(std::move(in[seen]));
  }
  return out;
}

}  // namespace

Result<std::vector<Question>> apply_filter(const std::vector<Question>& questions,
                                           const QuestionFilter& filter) {
  if (filter.first_n && filter.sample_n) {
    return Error("filter: choose either the first N questions or a random sample of N, not both");
  }
  std::vector<Question> kept;
  if (!filter.ids.empty()) {
    std::unordered_map<std::string, size_t> wanted;
    for (const auto& id : filter.ids)
      wanted.emplace(id, 0);
    for (const auto& q : questions) {
      const auto it = wanted.find(q.id);
      if (it == wanted.end()) continue;
      ++it->second;
      kept.push_back(q);
    }
    for (const auto& id : filter.ids) {
      if (wanted[id] == 0) return Error("filter: no question has id '" + id + "'");
    }
  } else {
    kept = questions;
  }
  const std::set<std::string> subjects(filter.subjects.begin(), filter.subjects.end());
  std::erase_if(kept, [&](const Question& q) {
    if (!filter.choice_type.empty() && q.meta_value("choice_type") != filter.choice_type) {
      return true;
    }
    return !subjects.empty() && subjects.count(q.subject) == 0;
  });
  if (filter.first_n && *filter.first_n < kept.size()) kept.resize(*filter.first_n);
  if (filter.sample_n)
    kept = sample_in_order(std::move(kept), *filter.sample_n, filter.sample_seed);
  return kept;
}

}  // namespace privqa
