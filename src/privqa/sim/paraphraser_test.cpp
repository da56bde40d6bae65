#include "privqa/sim/paraphraser.h"

#include <gtest/gtest.h>

#include <set>

#include "privqa/sim/hashed_embedding.h"
#include "privqa/text/normalize.h"
#include "privqa/text/stopwords.h"
#include "privqa/text/tokenizer.h"

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

// Share of the changeable words of `original` (numbers, and words of three
// letters or more that are no stopwords), as a case-folded multiset, that
// are still in `variant`.
double kept_share(const std::string& original, const std::string& variant) {
  std::multiset<std::string> left;
  for (const Token& t : tokenize(variant)) {
    if (t.kind == TokenKind::kWord || t.kind == TokenKind::kNumber) left.insert(fold_case(t.text));
  }
  size_t words = 0, kept = 0;
  for (const Token& t : tokenize(original)) {
    if (t.kind != TokenKind::kWord && t.kind != TokenKind::kNumber) continue;
    const std::string folded = fold_case(t.text);
    if (t.kind == TokenKind::kWord && (is_stopword(folded) || folded.size() < 3)) continue;
    ++words;
    const auto it = left.find(fold_case(t.text));
    if (it == left.end()) continue;
    ++kept;
    left.erase(it);
  }
  return static_cast<double>(kept) / static_cast<double>(words);
}

// A changeable word changes with probability r ~ U[0.15, 0.75) at the
// reference temperature 0.7, and min(1, r T / 0.7) otherwise: at T = 1.4 its mean is
// (1/0.6) (integral of 2r over [0.15, 0.5] + 0.25) = 0.796, against 0.45.
// The words kept are 1 minus that, up to the rule that a variant differs from
// the original (a redraw when nothing changed: a few percent at most here).
// 400 variants make the standard error of each mean about 0.01, so the
// tolerance of 0.06 fails by chance far less than once in 10^4.
TEST(Paraphraser, AHotterRequestChangesMoreWords) {
  const Paraphraser paraphraser;
  double mean_reference = 0, mean_hot = 0;
  constexpr int kVariants = 400;
  for (int i = 0; i < kVariants; ++i) {
    const Draw draw = Draw().with("t").with(static_cast<uint64_t>(i));
    mean_reference += kept_share(kText, paraphraser.variants(kText, 1, draw)[0]) / kVariants;
    mean_hot += kept_share(kText, paraphraser.variants(kText, 1, draw, 1.4)[0]) / kVariants;
  }
  EXPECT_NEAR(mean_reference, 1 - 0.45, 0.06);
  EXPECT_NEAR(mean_hot, 1 - 0.796, 0.06);
  EXPECT_EQ(paraphraser.variants(kText, 3, Draw().with("p"), Paraphraser::kReferenceTemperature),
            paraphraser.variants(kText, 3, Draw().with("p")))
      << "the reference temperature is the default";
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
