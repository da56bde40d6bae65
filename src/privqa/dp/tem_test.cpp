#include "privqa/dp/tem.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "dp/plane_points.h"
#include "dp/stat_testing.h"
#include "privqa/dp/registry.h"

namespace privqa {
namespace {

// Six corpus words in the plane, and "owl", which only the table knows.
const testing::PlanePoints kTemPoints = {{"ant", {0, 0}},  {"bee", {1, 0}},   {"cat", {0, 2}},
                                         {"dog", {3, 1}},  {"eel", {-1, -1}}, {"fox", {4, 4}},
                                         {"owl", {0.5, 0}}};
const std::vector<std::string> kTemCorpus = {"ant bee cat", "dog eel fox ant", "unknownword"};

EmbeddingTable tem_table() {
  return testing::plane_table(kTemPoints);
}

std::shared_ptr<const Mechanism> make(const EmbeddingTable& table,
                                      const std::map<std::string, std::string>& params) {
  auto mechanism = create_mechanism("tem", params, table, kTemCorpus);
  EXPECT_TRUE(mechanism.ok()) << mechanism.error().message();
  return *mechanism;
}

TEST(Tem, ThresholdFollowsEpsAndBeta) {
  // gamma = (2 / eps) ln((1 - beta) (|V| - 1) / beta), by hand:
  // eps 2, beta 0.2, |V| 6: ln(0.8 * 5 / 0.2) = ln 20.
  EXPECT_NEAR(tem_threshold(2, 0.2, 6), 2.995732273553991, 1e-12);
  // eps 1, beta 0.001, |V| 6: 2 ln(0.999 * 5 / 0.001) = 2 ln 4995.
  EXPECT_NEAR(tem_threshold(1, 0.001, 6), 17.03238538216531, 1e-10);
  // Halving eps doubles gamma.
  EXPECT_NEAR(tem_threshold(0.5, 0.001, 6), 2 * tem_threshold(1, 0.001, 6), 1e-12);
  EXPECT_EQ(tem_threshold(1, 0.001, 1), -INFINITY);

  const EmbeddingTable table = tem_table();
  const auto mechanism = make(table, {{"beta", "0.2"}});
  const auto& tem = dynamic_cast<const Tem&>(*mechanism);
  EXPECT_EQ(tem.vocabulary().size(), 6u);  // owl and unknownword are not corpus words with vectors
  EXPECT_NEAR(tem.threshold(2), std::log(20.0), 1e-12);
}

TEST(Tem, OutputMatchesTheTruncatedExponentialMechanism) {
  // eps 2, beta 0.2: gamma = ln 20 ≈ 2.996. From ant, L = {ant, bee, cat, eel}
  // (distances 0, 1, 2, √2); dog (√10) and fox (√32) are beyond gamma. By the
  // Gumbel-max identity, Pr(y) ∝ exp(-eps d / 2) in L and Pr(⊥) ∝
  // |V \ L| exp(-eps gamma / 2), ⊥'s mass spread evenly over dog and fox.
  // 20,000 draws, chi-square at the 1e-6 false-failure rate.
  const EmbeddingTable table = tem_table();
  const auto mechanism = make(table, {{"beta", "0.2"}});
  const double eps = 2, gamma = std::log(20.0);
  const std::vector<std::string> words = {"ant", "bee", "cat", "dog", "eel", "fox"};
  std::vector<double> weight;
  double total = 0;
  for (const auto& y : words) {
    const double d = testing::plane_distance(kTemPoints, "ant", y);
    total += weight.emplace_back(std::exp(-eps * std::min(d, gamma) / 2));
  }
  std::vector<double> expected;
  for (double w : weight)
    expected.push_back(w / total);
  // Beyond gamma: 2 * exp(-ln 20) / total = 0.1 / total in all.
  EXPECT_NEAR(expected[3] + expected[5], 0.1 / total, 1e-12);

  Rng rng = Rng::from_seed(81);
  std::vector<size_t> counts(words.size());
  for (int i = 0; i < 20000; ++i) {
    const auto out = mechanism->sanitize("ant", eps, rng);
    ASSERT_TRUE(out.ok());
    const auto it = std::find(words.begin(), words.end(), out->text);
    ASSERT_NE(it, words.end()) << out->text;
    ++counts[static_cast<size_t>(it - words.begin())];
  }
  EXPECT_FITS(counts, expected);
}

TEST(Tem, WordWithAVectorOutsideTheVocabularyIsSanitizedOverIt) {
  // owl is in the table but not in the corpus: its output is a corpus word,
  // never owl itself.
  const EmbeddingTable table = tem_table();
  const auto mechanism = make(table, {});
  Rng rng = Rng::from_seed(82);
  for (int i = 0; i < 200; ++i) {
    const auto out = mechanism->sanitize("owl", 1.0, rng);
    ASSERT_TRUE(out.ok());
    EXPECT_NE(out->text, "owl");
    EXPECT_TRUE(kTemPoints.count(out->text)) << out->text;
    EXPECT_EQ(out->stats.oov, 0u);
  }
}

TEST(Tem, UnknownWordsAreReplacedUniformlyOrKept) {
  const EmbeddingTable table = tem_table();
  Rng rng = Rng::from_seed(83);
  const auto replacing = make(table, {});
  std::map<std::string, size_t> seen;
  for (int i = 0; i < 600; ++i) {
    const auto out = replacing->sanitize("zzz", 1.0, rng);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->stats.oov, 1u);
    ++seen[out->text];
  }
  EXPECT_EQ(seen.size(), 6u);  // every corpus word, and only those
  const auto keeping = make(table, {{"oov", "keep"}});
  EXPECT_EQ(keeping->sanitize("zzz", 1.0, rng)->text, "zzz");
}

TEST(Tem, SpendsEpsPerWordWithAVector) {
  // Words with a vector are each one draw of the mechanism (eps each, as
  // metric DP: eps d(x, x')); a word without one is replaced by a uniform
  // draw that does not depend on it, or kept, and spends nothing.
  const EmbeddingTable table = tem_table();
  const auto mechanism = make(table, {});
  Rng rng = Rng::from_seed(84);
  const auto out = mechanism->sanitize("Ant, bee and owl saw zzz.", 3.0, rng);
  ASSERT_TRUE(out.ok());
  // With vectors: Ant, bee, owl (3); without: and, saw, zzz (3).
  EXPECT_EQ(out->stats.words, 6u);
  EXPECT_EQ(out->stats.oov, 3u);
  EXPECT_EQ(out->stats.sampled, 3u);
  EXPECT_DOUBLE_EQ(out->stats.eps_spent, 9.0);
  EXPECT_DOUBLE_EQ(mechanism->eps_per_sampled_token(3.0), 3.0);
}

TEST(Tem, BetaOutsideTheOpenUnitIntervalIsAnErrorNamingIt) {
  const EmbeddingTable table = tem_table();
  for (const char* beta : {"0", "1", "1.5", "-0.1"}) {
    auto mechanism = create_mechanism("tem", {{"beta", beta}}, table, kTemCorpus);
    ASSERT_FALSE(mechanism.ok()) << beta;
    EXPECT_NE(mechanism.error().message().find("beta"), std::string::npos)
        << mechanism.error().message();
  }
}

TEST(Tem, BatchedAndSingleWordDistancesGiveTheSameOutput) {
  // prepare() computes a text's distances in one batch; a fresh mechanism
  // sanitizing word by word draws the same outputs from the same stream.
  const EmbeddingTable table = tem_table();
  const auto batched = make(table, {});
  const auto single = make(table, {});
  Rng a = Rng::from_seed(85), b = Rng::from_seed(85);
  const auto whole = batched->sanitize("ant bee cat dog", 4.0, a);
  std::string pieces;
  for (const char* word : {"ant", "bee", "cat", "dog"}) {
    if (!pieces.empty()) pieces += ' ';
    pieces += single->sanitize(word, 4.0, b)->text;
  }
  EXPECT_EQ(whole->text, pieces);
}

}  // namespace
}  // namespace privqa
