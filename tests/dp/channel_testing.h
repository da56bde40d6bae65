// Checks of an exact word channel (dp/word_channel.h) against a hand
// computation, for the dp tests.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "privqa/dp/word_channel.h"
#include "privqa/embed/embedding_table.h"

namespace privqa::testing {

// For every input x of `channel` at `eps`: its row, and its entry in the
// column of every table row, equal hand(x), Pr(y | x) by output word; a
// table row hand(x) does not name has probability 0.
template <class Hand>
void expect_channel_equals(const WordChannel& channel, const EmbeddingTable& table, double eps,
                           Hand&& hand) {
  const auto& inputs = channel.channel_inputs();
  const auto rows = channel.channel_rows(inputs, eps);
  std::vector<uint32_t> ys(table.size());
  std::iota(ys.begin(), ys.end(), 0u);
  std::vector<double> columns(ys.size() * inputs.size());
  channel.channel_columns(ys, eps, columns);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string& x = table.word(inputs[i]);
    const std::map<std::string, double> want = hand(x);
    std::map<std::string, double> got;
    for (const auto& [y, p] : rows[i])
      got[table.word(y)] = p;
    EXPECT_EQ(got.size(), want.size()) << x << " at eps " << eps;
    for (uint32_t y : ys) {
      const auto it = want.find(table.word(y));
      const double p = it == want.end() ? 0.0 : it->second;
      EXPECT_NEAR(got[table.word(y)], p, 1e-6) << x << " -> " << table.word(y) << " at eps " << eps;
      EXPECT_NEAR(columns[y * inputs.size() + i], p, 1e-6)
          << x << " -> " << table.word(y) << " at eps " << eps;
    }
  }
}

}  // namespace privqa::testing
