#include "privqa/dp/santext.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numbers>

#include "dp/plane_points.h"
#include "dp/stat_testing.h"
#include "privqa/dp/registry.h"

namespace privqa {
namespace {

// Six corpus words in the plane plus one word that only the table knows.
const testing::PlanePoints kSanTextPoints = {
    {"alpha", {0, 0}},     {"beta", {1, 0}}, {"gamma", {0, 2}}, {"delta", {3, 1}},
    {"epsilon", {-1, -1}}, {"zeta", {2, 2}}, {"omega", {5, 5}}};
// Counts: alpha 4, beta 3, gamma 2, delta = epsilon = zeta = 1; "unknownword" has no vector.
const std::vector<std::string> kSanTextCorpus = {
    "Alpha alpha beta gamma", "alpha, alpha beta beta!", "gamma delta epsilon zeta unknownword"};

EmbeddingTable santext_table() {
  return testing::plane_table(kSanTextPoints);
}

// Pr(y | x) = exp(-eps d(x, y) / 2) / sum over the sensitive set, from the coordinates.
std::map<std::string, double> exact(const std::string& x, const std::vector<std::string>& set,
                                    double eps) {
  std::map<std::string, double> out;
  double total = 0;
  for (const auto& y : set)
    total += out[y] = std::exp(-eps * testing::plane_distance(kSanTextPoints, x, y) / 2);
  for (auto& [y, p] : out)
    p /= total;
  return out;
}

class SanTextTest : public ::testing::Test {
 protected:
  std::shared_ptr<const Mechanism> make(const std::string& name,
                                        const std::map<std::string, std::string>& params = {}) {
    auto mechanism = create_mechanism(name, params, table_, kSanTextCorpus);
    EXPECT_TRUE(mechanism.ok()) << mechanism.error().message();
    return *mechanism;
  }
  std::vector<std::string> words_of(const std::vector<uint32_t>& rows) {
    std::vector<std::string> out;
    for (uint32_t row : rows)
      out.push_back(table_.word(row));
    return out;
  }
  // Output frequencies of sanitizing the single word `x` `draws` times.
  std::map<std::string, size_t> tally(const Mechanism& mechanism, const std::string& x, double eps,
                                      int draws, uint64_t seed) {
    Rng rng = Rng::from_seed(seed);
    std::map<std::string, size_t> out;
    for (int i = 0; i < draws; ++i)
      ++out[mechanism.sanitize(x, eps, rng)->text];
    return out;
  }

  EmbeddingTable table_ = santext_table();
};

TEST_F(SanTextTest, VocabularyComesFromTheCorpusAndSensitiveWordsAreTheRarest) {
  auto mechanism = make("santext+", {{"sensitive_ratio", "0.5"}});
  const auto& santext = dynamic_cast<const SanText&>(*mechanism);
  EXPECT_EQ(words_of(santext.vocabulary()),
            (std::vector<std::string>{"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}));
  // ceil(0.5 * 6) = 3 least frequent (ties by word).
  EXPECT_EQ(words_of(santext.sensitive()), (std::vector<std::string>{"delta", "epsilon", "zeta"}));
  auto wider = make("santext+", {{"sensitive_ratio", "0.6"}});  // ceil(3.6) = 4
  EXPECT_EQ(dynamic_cast<const SanText&>(*wider).sensitive().size(), 4u);
  auto plain = make("santext");  // w = 1: every word
  EXPECT_EQ(dynamic_cast<const SanText&>(*plain).sensitive().size(), 6u);
}

TEST_F(SanTextTest, SensitiveWordFollowsTheExponentialMechanism) {
  auto mechanism = make("santext+", {{"sensitive_ratio", "0.5"}});
  const std::vector<std::string> set = {"delta", "epsilon", "zeta"};
  for (double eps : {0.5, 2.0, 6.0}) {
    const auto expected = exact("delta", set, eps);
    const auto seen = tally(*mechanism, "delta", eps, 20000, 31);
    std::vector<size_t> counts;
    std::vector<double> probabilities;
    size_t total = 0;
    for (const auto& [y, p] : expected) {
      counts.push_back(seen.count(y) ? seen.at(y) : 0);
      probabilities.push_back(p);
      total += counts.back();
    }
    EXPECT_EQ(total, 20000u) << "outputs outside the sensitive set";
    EXPECT_FITS(counts, probabilities);
  }
}

TEST_F(SanTextTest, OtherWordIsReplacedWithProbabilityP) {
  auto mechanism = make("santext+", {{"sensitive_ratio", "0.5"}, {"p", "0.3"}});
  const std::vector<std::string> set = {"delta", "epsilon", "zeta"};
  const auto into_set = exact("beta", set, 1.0);
  const auto seen = tally(*mechanism, "beta", 1.0, 20000, 32);
  std::vector<size_t> counts = {seen.count("beta") ? seen.at("beta") : 0};
  std::vector<double> probabilities = {0.7};
  for (const auto& [y, p] : into_set) {
    counts.push_back(seen.count(y) ? seen.at(y) : 0);
    probabilities.push_back(0.3 * p);
  }
  EXPECT_FITS(counts, probabilities);
}

TEST_F(SanTextTest, MetricDpBoundHoldsOnEveryPair) {
  // Pr(y|x) <= exp(eps d(x, x')) Pr(y|x'), d from the coordinates; the slack
  // covers float32 rounding of the mechanism's distances.
  auto mechanism = make("santext");
  const auto& santext = dynamic_cast<const SanText&>(*mechanism);
  for (double eps : {0.5, 1.0, 3.0, 10.0}) {
    for (uint32_t x : santext.vocabulary()) {
      const auto px = santext.replacement_probabilities(x, eps);
      for (uint32_t x2 : santext.vocabulary()) {
        const auto px2 = santext.replacement_probabilities(x2, eps);
        const double bound = std::exp(
            eps * testing::plane_distance(kSanTextPoints, table_.word(x), table_.word(x2)));
        for (size_t y = 0; y < px.size(); ++y) {
          EXPECT_LE(px[y], bound * px2[y] * (1 + 1e-5))
              << table_.word(x) << " vs " << table_.word(x2) << " eps " << eps;
        }
      }
    }
  }
}

TEST_F(SanTextTest, EpsChangesTheDistribution) {
  auto mechanism = make("santext");
  const auto& santext = dynamic_cast<const SanText&>(*mechanism);
  const uint32_t x = *table_.find("gamma");
  const auto low = santext.replacement_probabilities(x, 1.0);
  const auto high = santext.replacement_probabilities(x, 3.0);
  const auto& s = santext.sensitive();
  const size_t self = std::find(s.begin(), s.end(), x) - s.begin();
  EXPECT_GT(high[self], low[self] + 0.05);
}

TEST_F(SanTextTest, OutOfVocabularyWordsAreReplacedUniformlyOrKept) {
  auto mechanism = make("santext+");
  const auto seen = tally(*mechanism, "unknownword", 1.0, 12000, 33);
  std::vector<size_t> counts;
  for (const char* w : {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}) {
    counts.push_back(seen.count(w) ? seen.at(w) : 0);
  }
  EXPECT_FITS(counts, std::vector<double>(6, 1.0 / 6));

  // "omega" has a vector but is not a corpus word: outside V too.
  auto keeping = make("santext+", {{"oov", "keep"}});
  Rng rng = Rng::from_seed(34);
  const auto out = keeping->sanitize("omega unknownword!", 1.0, rng);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->text, "omega unknownword!");
  EXPECT_EQ(out->stats.oov, 2u);
  EXPECT_EQ(out->stats.kept, 2u);
}

TEST_F(SanTextTest, PreservesPunctuationSpacingAndCaseOfKeptWords) {
  auto mechanism = make("santext+", {{"sensitive_ratio", "0.5"}, {"p", "0"}});
  Rng rng = Rng::from_seed(35);
  const auto out = mechanism->sanitize("Alpha,  BETA (gamma)?\n", 1.0, rng);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->text, "Alpha,  BETA (gamma)?\n");  // p = 0 and none is sensitive
  EXPECT_EQ(out->stats.words, 3u);
  EXPECT_EQ(out->stats.kept, 3u);
}

// Letters-only word names: "w" + base-26 digits of i.
std::string letter_name(size_t i) {
  std::string out = "w";
  do {
    out += static_cast<char>('a' + i % 26);
    i /= 26;
  } while (i > 0);
  return out;
}

TEST(SanTextSampler, StaysExactWhenBucketProposalsGiveUp) {
  // x at the origin, 40 words at distance 0.3 around it, one at distance 100:
  // every near word shares x's distance bucket (width 100 / 256), and at
  // eps 40 a proposal is accepted with probability about 2.7%, so about 18%
  // of draws exhaust the proposals and take the direct path. Both paths
  // together must give Pr(x) = 1 / (1 + 40 e^-6), Pr(ring word) = e^-6 / (...).
  std::vector<std::string> words = {"center", "far"};
  std::vector<float> values = {0, 0, 100, 0};
  std::string corpus = "center far";
  for (size_t i = 0; i < 40; ++i) {
    const double angle = 2 * std::numbers::pi * static_cast<double>(i) / 40;
    words.push_back(letter_name(i));
    values.push_back(static_cast<float>(0.3 * std::cos(angle)));
    values.push_back(static_cast<float>(0.3 * std::sin(angle)));
    corpus += " " + words.back();
  }
  auto table = EmbeddingTable::from_rows(words, values, 2);
  ASSERT_TRUE(table.ok());
  auto mechanism = create_mechanism("santext", {}, *table, {corpus});
  ASSERT_TRUE(mechanism.ok()) << mechanism.error().message();
  const double eps = 40;
  const double ring = std::exp(-eps * 0.3 / 2);
  const double total = 1 + 40 * ring;
  Rng rng = Rng::from_seed(36);
  std::vector<size_t> counts(3);  // center, a ring word, far
  for (int i = 0; i < 20000; ++i) {
    const std::string out = (*mechanism)->sanitize("center", eps, rng)->text;
    ++counts[out == "center" ? 0 : out == "far" ? 2 : 1];
  }
  EXPECT_FITS(counts, (std::vector<double>{1 / total, 40 * ring / total, 0}));
}

TEST_F(SanTextTest, SpendsEpsPerResampledWordOnly) {
  // |V| = 6; with w = 0.5, S = {delta, epsilon, zeta} (the three rarest).
  // p = 0: only words of S are resampled (eps each); alpha and beta are kept
  // by rule (0); unknownword is replaced by a uniform draw that does not
  // depend on it (0). p = 1 and SanText: every word of V is resampled.
  const std::string text = "alpha delta, beta zeta unknownword epsilon";
  const double eps = 1.5;
  Rng rng = Rng::from_seed(36);
  const auto rare_only =
      make("santext+", {{"sensitive_ratio", "0.5"}, {"p", "0"}})->sanitize(text, eps, rng);
  ASSERT_TRUE(rare_only.ok());
  EXPECT_EQ(rare_only->stats.sampled, 3u);
  EXPECT_DOUBLE_EQ(rare_only->stats.eps_spent, 3 * eps);
  const auto every =
      make("santext+", {{"sensitive_ratio", "0.5"}, {"p", "1"}})->sanitize(text, eps, rng);
  EXPECT_EQ(every->stats.sampled, 5u);
  EXPECT_DOUBLE_EQ(every->stats.eps_spent, 5 * eps);
  const auto santext = make("santext")->sanitize(text, eps, rng);
  EXPECT_EQ(santext->stats.sampled, 5u);
  EXPECT_DOUBLE_EQ(santext->stats.eps_spent, 5 * eps);
}

TEST_F(SanTextTest, TextsPreparedAChunkAtATimeComeOutAsOneAtATime) {
  // 40 texts: three chunks of for_each_prepared_text, the first word of
  // each text new to the cache in the first chunk only.
  const std::vector<std::string> words = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"};
  std::vector<std::string> texts;
  for (size_t i = 0; i < 40; ++i)
    texts.push_back(words[i % 6] + " " + words[(i * 5 + 1) % 6] + " 7 unknownword");
  const std::vector<std::string_view> views(texts.begin(), texts.end());
  const auto chunked = make("santext+", {{"p", "0.5"}});
  const auto single = make("santext+", {{"p", "0.5"}});
  std::vector<std::string> out(texts.size());
  std::vector<int> visits(texts.size());
  for_each_prepared_text(chunked.get(), views, 2, [&](size_t i) {
    ++visits[i];
    Rng rng = Rng::from_seed(1000 + i);
    out[i] = chunked->sanitize(texts[i], 2.0, rng)->text;
  });
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(visits[i], 1) << i;
    Rng rng = Rng::from_seed(1000 + i);
    EXPECT_EQ(out[i], single->sanitize(texts[i], 2.0, rng)->text) << texts[i];
  }
}

TEST_F(SanTextTest, BuildFailsWithoutAnyEmbeddedCorpusWord) {
  auto mechanism = create_mechanism("santext+", {}, table_, {"nothing known here"});
  ASSERT_FALSE(mechanism.ok());
  EXPECT_NE(mechanism.error().message().find("has an embedding"), std::string::npos);
}

}  // namespace
}  // namespace privqa
