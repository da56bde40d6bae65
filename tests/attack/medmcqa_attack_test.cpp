// The inversion on real data: the first 200 MedMCQA dev questions sanitized
// by SanText+, CusText+ and TEM (the metric-DP exponential mechanism), each
// built on the whole dev set as a run builds them, at eps 0.5 to 8, with the
// wink embeddings. Skipped (with the reason) when either file is absent.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "privqa/attack/inversion.h"
#include "privqa/data/dataset.h"
#include "privqa/dp/registry.h"
#include "privqa/report/wilson.h"
#include "testing.h"

namespace privqa::attack {
namespace {

TEST(MedMcqaAttack, RecoveryFallsAsEpsFalls) {
  PRIVQA_REQUIRE_WINK(wink);
  PRIVQA_REQUIRE_SHARED_DATA(dev, "medmcqa/dev.json");
  auto table = load_embeddings(wink);
  ASSERT_TRUE(table.ok()) << table.error().message();
  auto dataset = load_dataset(dev);
  ASSERT_TRUE(dataset.ok()) << dataset.error().message();
  std::vector<std::string> corpus;
  for (const auto& q : dataset->questions)
    corpus.push_back(q.text);
  const std::vector<double> eps_list = {0.5, 1, 2, 4, 8};
  for (const std::string name : {"santext+", "custext+", "tem"}) {
    auto mechanism = create_mechanism(name, {}, *table, corpus);
    ASSERT_TRUE(mechanism.ok()) << mechanism.error().message();
    const auto* channel = dynamic_cast<const WordChannel*>(mechanism->get());
    ASSERT_NE(channel, nullptr);
    const WordPrior prior(*table, channel->channel_inputs(), corpus);
    std::vector<Recovery> recovery;
    for (double eps : eps_list) {
      std::vector<AttackText> texts;
      for (size_t i = 0; i < 200; ++i) {
        Rng rng = Rng::from_seed(1000 * i + static_cast<uint64_t>(eps * 10));
        auto sanitized = (*mechanism)->sanitize(corpus[i], eps, rng);
        ASSERT_TRUE(sanitized.ok());
        texts.push_back({corpus[i], sanitized->text, i});
      }
      const auto result = invert(*channel, *table, prior, eps, texts, {});
      EXPECT_EQ(result.unaligned_texts, 0u) << name << " eps " << eps;
      recovery.push_back(result.all);
      std::cout << name << " eps " << eps << ": " << result.all.recovered << " of "
                << result.all.tokens << " word tokens recovered\n";
    }
    // Never more recovery at a smaller eps: one-sided two-proportion z test
    // at alpha 1e-3 (z > 3.09) per neighbouring pair; and over the whole
    // range a clear fall: the 95% intervals at eps 0.5 and 8 do not overlap.
    const auto share = [](const Recovery& r) {
      return static_cast<double>(r.recovered) / static_cast<double>(r.tokens);
    };
    for (size_t e = 0; e + 1 < eps_list.size(); ++e) {
      const Recovery& a = recovery[e];
      const Recovery& b = recovery[e + 1];
      const double pooled =
          static_cast<double>(a.recovered + b.recovered) / static_cast<double>(a.tokens + b.tokens);
      const double se =
          std::sqrt(pooled * (1 - pooled) *
                    (1.0 / static_cast<double>(a.tokens) + 1.0 / static_cast<double>(b.tokens)));
      EXPECT_LT((share(a) - share(b)) / se, 3.09)
          << name << ": recovery at eps " << eps_list[e] << " above that at " << eps_list[e + 1];
    }
    const auto low = report::wilson_interval(recovery.front().recovered, recovery.front().tokens);
    const auto high = report::wilson_interval(recovery.back().recovered, recovery.back().tokens);
    EXPECT_LT(low.high, high.low) << name;
  }
}

}  // namespace
}  // namespace privqa::attack
