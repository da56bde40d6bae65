#include "privqa/dp/tem.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "dp/channel_testing.h"
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

// Pr(y | x) by hand for TEM with beta 0.2 on kTemPoints: weights
// exp(-eps min(d, gamma) / 2) over the six corpus words, from the plane's
// distances in double (the mechanism's are float).
std::map<std::string, double> hand_tem_row(const std::string& x, double eps) {
  const double gamma = 2 / eps * std::log(0.8 * 5 / 0.2);
  std::map<std::string, double> row;
  double total = 0;
  for (const char* y : {"ant", "bee", "cat", "dog", "eel", "fox"}) {
    const double d = testing::plane_distance(kTemPoints, x, y);
    total += row[y] = std::exp(-eps * std::min(d, gamma) / 2);
  }
  for (auto& [y, p] : row)
    p /= total;
  return row;
}

TEST(Tem, ChannelIsTheTruncatedExponentialMechanismIncludingBottom) {
  // The exact channel of every corpus word at eps 0.5 (gamma = 4 ln 20 ≈
  // 12: every word within it), 2 (from ant, dog and fox only through ⊥) and
  // 4 (gamma ≈ 1.5: from ant, only ant, bee and eel directly) against the
  // hand computation; columns are the same numbers read by output, and
  // "owl" (a table word outside V) is no output.
  const EmbeddingTable table = tem_table();
  const auto mechanism = make(table, {{"beta", "0.2"}});
  const auto& channel = dynamic_cast<const WordChannel&>(*mechanism);
  ASSERT_EQ(channel.channel_inputs().size(), 6u);
  for (double eps : {0.5, 2.0, 4.0}) {
    testing::expect_channel_equals(channel, table, eps,
                                   [&](const std::string& x) { return hand_tem_row(x, eps); });
  }
  // At eps 4 cat, dog and fox are beyond gamma from ant: the same clipped
  // weight, so the same probability, to the last bit.
  const uint32_t ant = *table.find("ant");
  const auto rows = channel.channel_rows(std::span(&ant, 1), 4.0);
  std::map<std::string, double> from_ant;
  for (const auto& [y, p] : rows[0])
    from_ant[table.word(y)] = p;
  EXPECT_EQ(from_ant.at("dog"), from_ant.at("fox"));
  EXPECT_EQ(from_ant.at("cat"), from_ant.at("fox"));
}

TEST(Tem, SamplesFitTheChannel) {
  // 20,000 draws from each of ant and fox at eps 4, where ⊥ carries most of
  // fox's mass, against the channel's row: chi-square at the 1e-6
  // false-failure rate.
  const EmbeddingTable table = tem_table();
  const auto mechanism = make(table, {{"beta", "0.2"}});
  const auto& channel = dynamic_cast<const WordChannel&>(*mechanism);
  for (const char* x : {"ant", "fox"}) {
    const uint32_t row = *table.find(x);
    std::vector<double> probabilities(table.size(), 0.0);
    const auto rows = channel.channel_rows(std::span(&row, 1), 4.0);
    for (const auto& [y, p] : rows[0])
      probabilities[y] = p;
    std::vector<size_t> counts(table.size(), 0);
    Rng rng = Rng::from_seed(86);
    for (int i = 0; i < 20000; ++i) {
      const auto out = mechanism->sanitize(x, 4.0, rng);
      ASSERT_TRUE(out.ok());
      ++counts[*table.find(out->text)];
    }
    EXPECT_FITS(counts, probabilities);
  }
}

TEST(Tem, ChannelOfAOneWordVocabularyOutputsThatWord) {
  // |V| = 1: gamma is -infinity and ⊥ always wins with the one word.
  const EmbeddingTable table = tem_table();
  auto mechanism = create_mechanism("tem", {}, table, {"bee bee"});
  ASSERT_TRUE(mechanism.ok()) << mechanism.error().message();
  const auto& channel = dynamic_cast<const WordChannel&>(**mechanism);
  const uint32_t bee = *table.find("bee");
  const auto rows = channel.channel_rows(std::span(&bee, 1), 1.0);
  ASSERT_EQ(rows[0].size(), 1u);
  EXPECT_EQ(rows[0][0].first, bee);
  EXPECT_EQ(rows[0][0].second, 1.0);
  Rng rng = Rng::from_seed(87);
  EXPECT_EQ((*mechanism)->sanitize("bee", 1.0, rng)->text, "bee");
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
