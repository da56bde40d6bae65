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
std::vector<size_t> sample_in_order(std::vector<size_t> in, size_t n, uint64_t seed) {
  if (n >= in.size()) return in;
  std::mt19937_64 rng(seed);
  std::vector<size_t> out;
  out.reserve(n);
  const size_t total = in.size();
  for (size_t seen = 0; seen < total && out.size() < n; ++seen) {
    const double remaining = static_cast<double>(total - seen);
    const double needed = static_cast<double>(n - out.size());
    if (remaining * unit_uniform(rng) < needed) out.push_back(in[seen]);
  }
  return out;
}

}  // namespace

Result<std::vector<size_t>> select_questions(const std::vector<Question>& questions,
                                             const QuestionFilter& filter) {
  if (filter.first_n && filter.sample_n) {
    return Error("filter: choose either the first N questions or a random sample of N, not both");
  }
  std::vector<size_t> kept;
  if (!filter.ids.empty()) {
    std::unordered_map<std::string, size_t> wanted;
    for (const auto& id : filter.ids)
      wanted.emplace(id, 0);
    for (size_t i = 0; i < questions.size(); ++i) {
      const auto it = wanted.find(questions[i].id);
      if (it == wanted.end()) continue;
      ++it->second;
      kept.push_back(i);
    }
    for (const auto& id : filter.ids) {
      if (wanted[id] == 0) return Error("filter: no question has id '" + id + "'");
    }
  } else {
    kept.resize(questions.size());
    for (size_t i = 0; i < questions.size(); ++i)
      kept[i] = i;
  }
  const std::set<std::string> subjects(filter.subjects.begin(), filter.subjects.end());
  std::erase_if(kept, [&](size_t i) {
    const Question& q = questions[i];
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

Result<std::vector<Question>> apply_filter(const std::vector<Question>& questions,
                                           const QuestionFilter& filter) {
  auto selected = select_questions(questions, filter);
  if (!selected) return selected.error();
  std::vector<Question> out;
  out.reserve(selected->size());
  for (size_t i : *selected)
    out.push_back(questions[i]);
  return out;
}

}  // namespace privqa
