#include "privqa/sim/paraphraser.h"

#include <gtest/gtest.h>

#include <set>

#include "privqa/sim/hashed_embedding.h"
#include "privqa/text/normalize.h"

namespace privqa::sim {
namespace {

const char* kText =
    "A 45-year-old man presents with crushing chest pain radiating to the left arm and sweating.";

TEST(Paraphraser, GivesDistinctVariantsDifferentFromTheOriginal) {
  const Paraphraser paraphraser;
  const auto variants = paraphraser.variants(kText, 10, Draw().with("p"));
  ASSERT_EQ(variants.size(), 10u);
  std::set<std::string> distinct;
  for (const std::string& v : variants) {
    EXPECT_NE(fold_case(v), fold_case(kText));
    EXPECT_GT(v.size(), 10u);
    EXPECT_EQ(v.find("  "), std::string::npos) << v;
    distinct.insert(fold_case(v));
  }
  EXPECT_EQ(distinct.size(), 10u);
  EXPECT_EQ(paraphraser.variants(kText, 10, Draw().with("p")), variants);  // deterministic
}

TEST(Paraphraser, UsesNeighboursWhenGiven) {
  const Paraphraser paraphraser([](const std::string& word) -> std::vector<std::string> {
    if (word == "chest") return {"thorax"};
    return {};
  });
  int used = 0;
  for (const std::string& v : paraphraser.variants(kText, 20, Draw().with("n"))) {
    used += v.find("thorax") != std::string::npos || v.find("Thorax") != std::string::npos;
  }
  EXPECT_GT(used, 0);
}

TEST(HashedEmbedding, NormalisedDeterministicAndSimilarForSharedWords) {
  const auto a = hashed_embedding("chest pain radiating to the arm", 256);
  const auto b = hashed_embedding("Chest pain in the arm", 256);
  const auto c = hashed_embedding("fever with rash in a child", 256);
  auto dot = [](const std::vector<float>& x, const std::vector<float>& y) {
    double s = 0;
    for (size_t i = 0; i < x.size(); ++i)
      s += x[i] * y[i];
    return s;
  };
  EXPECT_NEAR(dot(a, a), 1.0, 1e-6);
  EXPECT_EQ(a, hashed_embedding("chest pain radiating to the arm", 256));
  EXPECT_GT(dot(a, b), dot(a, c) + 0.3);
  const auto empty = hashed_embedding("...", 8);
  EXPECT_EQ(empty, std::vector<float>(8, 0.0f));
}

}  // namespace
}  // namespace privqa::sim
