#include "privqa/attack/inversion.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <numeric>

#include "dp/stat_testing.h"
#include "privqa/dp/corpus_words.h"
#include "privqa/dp/registry.h"

namespace privqa::attack {
namespace {

// Five words on a plane, distances whole or square roots (below, D), plus
// the stopword "the" for CusText+.
EmbeddingTable five_words() {
  auto table = EmbeddingTable::from_rows({"alpha", "bravo", "charlie", "delta", "echo", "the"},
                                         {1, 1, 2, 1, 4, 1, 1, 5, 4, 5, 2, 2}, 2);
  EXPECT_TRUE(table.ok());
  return std::move(*table);
}
const double kR17 = std::sqrt(17.0), kR20 = std::sqrt(20.0);
// D[x][y], words in table order.
const double kD[5][5] = {{0, 1, 3, 4, 5},
                         {1, 0, 2, kR17, kR20},
                         {3, 2, 0, 5, 4},
                         {4, kR17, 5, 0, 3},
                         {5, kR20, 4, 3, 0}};
// Mechanism corpus: alpha 4, bravo 3, charlie 2, delta 1, echo 1.
const std::vector<std::string> kCorpus = {"Alpha alpha bravo charlie.", "alpha bravo, alpha.",
                                          "bravo charlie delta echo"};
// Prior corpus: alpha 1, bravo 2, charlie 3, delta 0, echo 1; weights + 1.
const std::vector<std::string> kPriorCorpus = {"alpha bravo bravo", "charlie charlie charlie echo"};
const double kPriorWeight[5] = {2, 3, 4, 1, 2};

std::shared_ptr<const Mechanism> build(const std::string& name,
                                       const std::map<std::string, std::string>& params,
                                       const EmbeddingTable& table,
                                       const std::vector<std::string>& corpus = kCorpus) {
  auto made = create_mechanism(name, params, table, corpus);
  EXPECT_TRUE(made.ok()) << made.error().message();
  return *made;
}

const WordChannel& channel_of(const Mechanism& m) {
  const auto* channel = dynamic_cast<const WordChannel*>(&m);
  EXPECT_NE(channel, nullptr);
  return *channel;
}

// Pr(y | x) of a mechanism by hand from the distances D (words in table order).
using HandChannel = std::function<double(size_t x, size_t y)>;

// SanText+ (SanText: everything sensitive, p = 1): q(y|x) ∝ exp(-eps D / 2)
// over S for x in S; p q(y|x) + (1 - p) [y == x] for x outside S.
HandChannel hand_santext(double eps, const std::vector<bool>& in_s, double p) {
  return [=](size_t x, size_t y) {
    double z = 0;
    for (size_t s = 0; s < 5; ++s) {
      if (in_s[s]) z += std::exp(-eps * kD[x][s] / 2);
    }
    const double q = in_s[y] ? std::exp(-eps * kD[x][y] / 2) / z : 0.0;
    return in_s[x] ? q : p * q + (1 - p) * (x == y ? 1.0 : 0.0);
  };
}

// TEM over the five words: exp(-eps min(D, gamma) / 2) normalised, with
// gamma = (2 / eps) ln((1 - beta) 4 / beta).
HandChannel hand_tem(double eps, double beta) {
  const double gamma = 2 / eps * std::log((1 - beta) * 4 / beta);
  return [=](size_t x, size_t y) {
    double z = 0;
    for (size_t s = 0; s < 5; ++s)
      z += std::exp(-eps * std::min(kD[x][s], gamma) / 2);
    return std::exp(-eps * std::min(kD[x][y], gamma) / 2) / z;
  };
}

// Pr(x | y) by Bayes' rule: pi(x) Pr(y | x) normalised.
std::vector<double> hand_posterior(size_t y, const HandChannel& channel) {
  std::vector<double> joint(5);
  double total = 0;
  for (size_t x = 0; x < 5; ++x)
    total += joint[x] = kPriorWeight[x] * channel(x, y);
  for (double& j : joint)
    j /= total;
  return joint;
}

void expect_posterior(const Mechanism& m, const EmbeddingTable& table, double eps,
                      const HandChannel& hand) {
  const WordChannel& channel = channel_of(m);
  const WordPrior prior(table, channel.channel_inputs(), kPriorCorpus);
  ASSERT_EQ(prior.size(), 5u);
  for (uint32_t y = 0; y < 5; ++y) {
    const auto got = posterior(channel, prior, y, eps);
    const auto want = hand_posterior(y, hand);
    for (uint32_t x = 0; x < 5; ++x) {
      EXPECT_NEAR(got[*prior.input_of(x)], want[x], 1e-6)
          << table.word(x) << " given " << table.word(y) << " at eps " << eps;
    }
  }
}

TEST(Inversion, SanTextPosteriorEqualsBayesRuleOnTheDistances) {
  const auto table = five_words();
  const auto m = build("santext", {}, table);
  for (double eps : {0.5, 1.0, 3.0})
    expect_posterior(*m, table, eps, hand_santext(eps, {true, true, true, true, true}, 1.0));
}

TEST(Inversion, SanTextPlusPosteriorCountsTheKeptNonSensitiveWords) {
  const auto table = five_words();
  // S: the ceil(0.6 * 5) = 3 least frequent words, charlie, delta and echo.
  const auto m = build("santext+", {{"sensitive_ratio", "0.6"}, {"p", "0.3"}}, table);
  for (double eps : {0.5, 2.0})
    expect_posterior(*m, table, eps, hand_santext(eps, {false, false, true, true, true}, 0.3));
}

TEST(Inversion, TemPosteriorCountsTheWordsBeyondGammaReachedThroughBottom) {
  const auto table = five_words();
  // beta 0.2: gamma = (2 / eps) ln 16, 5.5 at eps 1 (no word beyond it),
  // 2.8 at eps 2 and 1.4 at eps 4 (most pairs beyond it).
  const auto m = build("tem", {{"beta", "0.2"}}, table);
  for (double eps : {1.0, 2.0, 4.0})
    expect_posterior(*m, table, eps, hand_tem(eps, 0.2));
}

TEST(Inversion, LeftOutTextLeavesThePriorWithoutItsWords) {
  const auto table = five_words();
  const auto m = build("santext", {}, table);
  const WordPrior prior(table, channel_of(*m).channel_inputs(), kPriorCorpus);
  const size_t charlie = *prior.input_of(2), alpha = *prior.input_of(0);
  EXPECT_EQ(prior.weight(charlie), 4);
  EXPECT_EQ(prior.weight(charlie, 1), 1);  // text 1 holds all three
  EXPECT_EQ(prior.weight(charlie, 0), 4);
  EXPECT_EQ(prior.weight(alpha, 0), 1);
}

// Rows and columns are two computations of one channel: they must agree, and
// every row must be a distribution.
void expect_rows_match_columns(const WordChannel& channel, double eps) {
  const auto& inputs = channel.channel_inputs();
  const size_t n = inputs.size();
  const auto rows = channel.channel_rows(inputs, eps);
  std::vector<uint32_t> ys(6);
  std::iota(ys.begin(), ys.end(), 0u);
  std::vector<double> columns(ys.size() * n);
  channel.channel_columns(ys, eps, columns);
  for (size_t i = 0; i < n; ++i) {
    double sum = 0;
    std::map<uint32_t, double> row;
    for (const auto& [y, p] : rows[i]) {
      sum += p;
      row[y] = p;
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
    for (uint32_t y : ys)
      EXPECT_NEAR(columns[y * n + i], row[y], 1e-6) << "x " << inputs[i] << " y " << y;
  }
}

TEST(Inversion, ChannelRowsAndColumnsAgree) {
  const auto table = five_words();
  std::vector<std::string> with_the = kCorpus;
  with_the.push_back("the the");
  for (const auto& m :
       {build("santext", {}, table), build("santext+", {{"sensitive_ratio", "0.6"}}, table),
        build("custext+", {{"top_k", "3"}}, table, with_the),
        build("custext", {{"top_k", "3"}}, table, with_the),
        build("tem", {{"beta", "0.2"}}, table, with_the)}) {
    for (double eps : {0.5, 4.0})
      expect_rows_match_columns(channel_of(*m), eps);
  }
}

// The channel is what the mechanism does: 10^4 sanitizations of one word fit
// its row (chi-square, false-failure rate 1e-6 per test).
void expect_samples_fit_row(const Mechanism& m, const EmbeddingTable& table, uint32_t x,
                            double eps) {
  const auto row = channel_of(m).channel_rows(std::span(&x, 1), eps)[0];
  std::vector<double> probabilities(table.size(), 0.0);
  for (const auto& [y, p] : row)
    probabilities[y] = p;
  std::vector<size_t> counts(table.size(), 0);
  Rng rng = Rng::from_seed(20260 + x);
  for (int i = 0; i < 10000; ++i) {
    const auto out = m.sanitize(table.word(x), eps, rng);
    ASSERT_TRUE(out.ok());
    const auto y = word_row(table, out->text);
    ASSERT_TRUE(y.has_value()) << out->text;
    ++counts[*y];
  }
  EXPECT_FITS(counts, probabilities);
}

TEST(Inversion, ChannelRowsAreTheMechanismsOutputDistribution) {
  const auto table = five_words();
  std::vector<std::string> with_the = kCorpus;
  with_the.push_back("the the");
  const auto santext_plus = build("santext+", {{"sensitive_ratio", "0.6"}}, table);
  const auto custext_plus = build("custext+", {{"top_k", "3"}}, table, with_the);
  const auto custext = build("custext", {{"top_k", "3"}}, table, with_the);
  const auto tem = build("tem", {{"beta", "0.2"}}, table, with_the);
  for (uint32_t x : {0u, 3u}) {
    expect_samples_fit_row(*santext_plus, table, x, 1.0);
    expect_samples_fit_row(*custext_plus, table, x, 1.0);
    expect_samples_fit_row(*custext, table, x, 1.0);
    expect_samples_fit_row(*tem, table, x, 2.0);  // gamma = ln 20: delta's others all beyond
  }
  expect_samples_fit_row(*custext_plus, table, 5, 1.0);  // the stopword, always kept
  expect_samples_fit_row(*custext, table, 5, 1.0);       // the stopword, drawn from its set
  expect_samples_fit_row(*tem, table, 5, 2.0);           // "the", a word of V here
}

// Test channels over all rows of a table.
class IdentityChannel : public WordChannel {
 public:
  explicit IdentityChannel(size_t n) : inputs_(n) { std::iota(inputs_.begin(), inputs_.end(), 0u); }
  const std::vector<uint32_t>& channel_inputs() const override { return inputs_; }
  void channel_columns(std::span<const uint32_t> ys, double, std::span<double> out) const override {
    std::fill(out.begin(), out.end(), 0.0);
    for (size_t j = 0; j < ys.size(); ++j)
      out[j * inputs_.size() + ys[j]] = 1;
  }
  std::vector<Distribution> channel_rows(std::span<const uint32_t> xs, double) const override {
    std::vector<Distribution> out;
    for (uint32_t x : xs)
      out.push_back({{x, 1.0}});
    return out;
  }

 protected:
  std::vector<uint32_t> inputs_;
};

class UniformChannel : public IdentityChannel {
 public:
  using IdentityChannel::IdentityChannel;
  void channel_columns(std::span<const uint32_t>, double, std::span<double> out) const override {
    std::fill(out.begin(), out.end(), 1.0 / static_cast<double>(inputs_.size()));
  }
  std::vector<Distribution> channel_rows(std::span<const uint32_t> xs, double) const override {
    Distribution uniform;
    for (uint32_t y : inputs_)
      uniform.emplace_back(y, 1.0 / static_cast<double>(inputs_.size()));
    return std::vector<Distribution>(xs.size(), uniform);
  }
};

// Ten texts in which "the" (3 per text) outnumbers every other word even
// with one text left out; 3 + 4 words per text.
std::vector<std::string> the_texts() {
  const std::vector<std::string> words = {"alpha", "bravo", "charlie", "delta", "echo"};
  std::vector<std::string> out;
  for (size_t t = 0; t < 10; ++t) {
    std::string text = "the the the";
    for (size_t k = 0; k < 4; ++k)
      text += " " + words[(t + k) % words.size()];
    out.push_back(text + ".");
  }
  return out;
}

TEST(Inversion, IdentityChannelRecoversEveryWord) {
  const auto table = five_words();
  const IdentityChannel channel(table.size());
  const auto corpus = the_texts();
  const WordPrior prior(table, channel.channel_inputs(), corpus);
  std::vector<AttackText> texts;
  for (size_t t = 0; t < corpus.size(); ++t)
    texts.push_back({corpus[t], corpus[t], t});
  const auto result = invert(channel, table, prior, 1.0, texts, {});
  EXPECT_EQ(result.all.tokens, 70u);
  EXPECT_EQ(result.all.recovered, 70u);
  EXPECT_EQ(result.unaligned_texts, 0u);
}

TEST(Inversion, UniformChannelRecoversAtThePriorsMode) {
  const auto table = five_words();
  const UniformChannel channel(table.size());
  const auto corpus = the_texts();
  const WordPrior prior(table, channel.channel_inputs(), corpus);
  // Outputs uniform over the vocabulary, drawn with a fixed seed; the
  // guess is the prior's mode whatever they are.
  Rng rng = Rng::from_seed(7);
  std::vector<AttackText> texts;
  for (size_t t = 0; t < corpus.size(); ++t) {
    std::string sanitized;
    for (size_t k = 0; k < 7; ++k) {
      sanitized += (k == 0 ? "" : " ") + table.word(static_cast<uint32_t>(rng.below(table.size())));
    }
    texts.push_back({corpus[t], sanitized + ".", t});
  }
  WordClasses classes;
  classes.rare.insert(0);  // alpha
  const auto result = invert(channel, table, prior, 1.0, texts, classes);
  // "the" is 30 of the 70 original tokens and always the guess.
  EXPECT_EQ(result.all.tokens, 70u);
  EXPECT_EQ(result.all.recovered, 30u);
  EXPECT_EQ(result.rare.tokens, 8u);  // alpha: 4 of every 5 texts
  EXPECT_EQ(result.rare.recovered, 0u);
}

TEST(Inversion, TextsWhoseTokensDoNotPairUpAreCountedApart) {
  const auto table = five_words();
  const IdentityChannel channel(table.size());
  const WordPrior prior(table, channel.channel_inputs(), {});
  const auto result = invert(channel, table, prior, 1.0,
                             {{"alpha bravo", "alpha"}, {"alpha zulu", "alpha zulu"}}, {});
  EXPECT_EQ(result.texts, 2u);
  EXPECT_EQ(result.unaligned_texts, 1u);
  EXPECT_EQ(result.uncovered_tokens, 1u);  // zulu has no vector
  EXPECT_EQ(result.all.tokens, 1u);
  EXPECT_EQ(result.all.recovered, 1u);
}

TEST(Inversion, PairsWordsBetweenTheOriginalsSeparators) {
  const auto table = five_words();
  const IdentityChannel channel(table.size());
  const WordPrior prior(table, channel.channel_inputs(), {});
  // The replacement "x-ray" holds the separator " - " no more than "-":
  // the split must not stop inside it.
  const auto result = invert(
      channel, table, prior, 1.0,
      {{"alpha-3 - delta, echo", "x-ray - delta, echo"}, {"alpha -bravo", "a-b -bravo"}}, {});
  EXPECT_EQ(result.unaligned_texts, 0u);
  EXPECT_EQ(result.all.tokens, 4u);     // alpha-3 has no vector
  EXPECT_EQ(result.all.recovered, 3u);  // delta, echo, bravo; "a-b" is no word
}

}  // namespace
}  // namespace privqa::attack
