#include "privqa/attack/deniability.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "privqa/attack/quantiles.h"

namespace privqa::attack {
namespace {

TEST(Quantiles, InterpolateBetweenOrderStatistics) {
  const auto q = summarize({5, 1, 4, 2, 3});
  EXPECT_EQ(q.n, 5u);
  EXPECT_DOUBLE_EQ(q.min, 1);
  EXPECT_DOUBLE_EQ(q.p5, 1.2);  // position 0.2
  EXPECT_DOUBLE_EQ(q.p25, 2);
  EXPECT_DOUBLE_EQ(q.median, 3);
  EXPECT_DOUBLE_EQ(q.p75, 4);
  EXPECT_DOUBLE_EQ(q.p95, 4.8);
  EXPECT_DOUBLE_EQ(q.max, 5);
  EXPECT_DOUBLE_EQ(q.mean, 3);
  EXPECT_EQ(summarize({}).n, 0u);
}

// Each input x goes to itself with probability a, else uniformly to one of
// the m - 1 other inputs.
class KeepOrMove : public WordChannel {
 public:
  KeepOrMove(size_t m, double a) : inputs_(m), a_(a) {
    std::iota(inputs_.begin(), inputs_.end(), 0u);
  }
  const std::vector<uint32_t>& channel_inputs() const override { return inputs_; }
  void channel_columns(std::span<const uint32_t>, double, std::span<double>) const override {}
  std::vector<Distribution> channel_rows(std::span<const uint32_t> xs, double) const override {
    std::vector<Distribution> out;
    for (uint32_t x : xs) {
      Distribution row;
      for (uint32_t y : inputs_)
        row.emplace_back(y, y == x ? a_ : (1 - a_) / static_cast<double>(inputs_.size() - 1));
      out.push_back(row);
    }
    return out;
  }

 private:
  std::vector<uint32_t> inputs_;
  double a_;
};

TEST(Deniability, ClosedFormOfAKeepOrMoveChannel) {
  const KeepOrMove channel(5, 0.6);
  const std::vector<uint32_t> words = {0, 1, 2, 3, 4, 1, 2};
  const auto d = deniability(channel, 1.0, words, 3);
  EXPECT_EQ(d.n_w.n, 7u);
  EXPECT_DOUBLE_EQ(d.n_w.median, 0.6);
  // E[distinct in 3 draws] = 1 - 0.4^3 + 4 (1 - 0.9^3).
  EXPECT_NEAR(d.s_w.mean, (1 - 0.064) + 4 * (1 - 0.729), 1e-12);
  // exp(-(0.6 ln 0.6 + 4 * 0.1 ln 0.1)).
  EXPECT_NEAR(d.effective_support.max, std::exp(-(0.6 * std::log(0.6) + 0.4 * std::log(0.1))),
              1e-12);
}

TEST(Deniability, ANoiselessChannelDeniesNothing) {
  const KeepOrMove channel(4, 1.0);
  const std::vector<uint32_t> words = {0, 1, 2, 3};
  const auto d = deniability(channel, 1.0, words, 1000);
  EXPECT_DOUBLE_EQ(d.n_w.min, 1);
  EXPECT_DOUBLE_EQ(d.s_w.max, 1);
  EXPECT_DOUBLE_EQ(d.effective_support.max, 1);
}

}  // namespace
}  // namespace privqa::attack
