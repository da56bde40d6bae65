#include "privqa/attack/deniability.h"

#include <cmath>
#include <vector>

namespace privqa::attack {
namespace {

// Words whose output distributions are computed together.
constexpr size_t kRowBatch = 64;

}  // namespace

Deniability deniability(const WordChannel& channel, double eps, std::span<const uint32_t> words,
                        uint64_t draws) {
  std::vector<double> n_w, s_w, support;
  const auto k = static_cast<double>(draws);
  for (size_t begin = 0; begin < words.size(); begin += kRowBatch) {
    const auto batch = words.subspan(begin, std::min(kRowBatch, words.size() - begin));
    const auto rows = channel.channel_rows(batch, eps);
    for (size_t j = 0; j < batch.size(); ++j) {
      double same = 0, distinct = 0, entropy = 0;
      for (const auto& [y, p] : rows[j]) {
        if (p <= 0) continue;
        if (y == batch[j]) same = p;
        // 1 - (1 - p)^k without cancellation for small p.
        distinct += -std::expm1(k * std::log1p(-p));
        entropy -= p * std::log(p);
      }
      n_w.push_back(same);
      s_w.push_back(distinct);
      support.push_back(std::exp(entropy));
    }
  }
  return {summarize(std::move(n_w)), summarize(std::move(s_w)), summarize(std::move(support))};
}

}  // namespace privqa::attack
