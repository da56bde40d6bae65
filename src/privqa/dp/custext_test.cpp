#include "privqa/dp/custext.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "dp/channel_testing.h"
#include "dp/stat_testing.h"
#include "privqa/dp/registry.h"

namespace privqa {
namespace {

// Words on rays from the origin (angle in degrees, length): cosine similarity
// depends on the angles only, so the lengths check that cosine is used.
const std::map<std::string, std::pair<double, double>> kRays = {
    {"a", {0, 1}},   {"b", {10, 3}},  {"c", {25, 0.5}}, {"d", {90, 2}},   {"e", {100, 1}},
    {"f", {130, 4}}, {"g", {200, 1}}, {"h", {260, 2}},  {"the", {300, 1}}};
// Counts: a 3, d 2, b = g = the = 1 -> order a, d, b, g, the.
const std::vector<std::string> kCusTextCorpus = {"a a d", "a d b g the"};

double radians(const std::string& w) {
  return kRays.at(w).first * M_PI / 180;
}
double cosine(const std::string& x, const std::string& y) {
  return std::cos(radians(x) - radians(y));
}

// Pr(y | x) over `set` by hand: u = (cos - min) / (max - min) from the
// angles, Pr ∝ exp(eps u / 2).
std::vector<double> hand_probabilities(const std::string& x, const std::vector<std::string>& set,
                                       double eps) {
  std::vector<double> sims;
  for (const auto& y : set)
    sims.push_back(cosine(x, y));
  const double low = *std::min_element(sims.begin(), sims.end());
  const double high = *std::max_element(sims.begin(), sims.end());
  std::vector<double> probabilities;
  double total = 0;
  for (double s : sims)
    total += probabilities.emplace_back(std::exp(eps * (s - low) / (high - low) / 2));
  for (double& p : probabilities)
    p /= total;
  return probabilities;
}

EmbeddingTable custext_table() {
  std::vector<std::string> words;
  std::vector<float> values;
  for (const auto& [word, ray] : kRays) {
    words.push_back(word);
    values.push_back(static_cast<float>(ray.second * std::cos(radians(word))));
    values.push_back(static_cast<float>(ray.second * std::sin(radians(word))));
  }
  auto table = EmbeddingTable::from_rows(words, values, 2);
  EXPECT_TRUE(table.ok());
  return std::move(*table);
}

class CusTextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mechanism =
        create_mechanism("custext+", {{"top_k", "3"}, {"pool_size", "0"}}, table_, kCusTextCorpus);
    ASSERT_TRUE(mechanism.ok()) << mechanism.error().message();
    mechanism_ = *mechanism;
  }
  const CusText& custext() const { return dynamic_cast<const CusText&>(*mechanism_); }
  std::vector<std::string> set_of(const std::string& w) const {
    std::vector<std::string> out;
    const auto* rows = custext().candidates(*table_.find(w));
    if (rows == nullptr) return out;
    for (uint32_t row : *rows)
      out.push_back(table_.word(row));
    return out;
  }

  EmbeddingTable table_ = custext_table();
  std::shared_ptr<const Mechanism> mechanism_;
};

TEST_F(CusTextTest, SetsAreNearestUnusedNeighboursInFrequencyOrder) {
  // a takes {a, b, c}; d takes {d, e, f} (c is used); g takes what is left.
  EXPECT_EQ(set_of("a"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(set_of("b"), set_of("a"));
  EXPECT_EQ(set_of("c"), set_of("a"));
  EXPECT_EQ(set_of("d"), (std::vector<std::string>{"d", "e", "f"}));
  EXPECT_EQ(set_of("g"), (std::vector<std::string>{"g", "h", "the"}));
  EXPECT_EQ(custext().cluster_count(), 3u);
}

TEST_F(CusTextTest, OutputFollowsNormalisedSimilarity) {
  // For x = b in {a, b, c}.
  const std::vector<std::string> set = {"a", "b", "c"};
  for (double eps : {1.0, 3.0, 8.0}) {
    const auto probabilities = hand_probabilities("b", set, eps);
    Rng rng = Rng::from_seed(41);
    std::map<std::string, size_t> seen;
    for (int i = 0; i < 20000; ++i)
      ++seen[mechanism_->sanitize("b", eps, rng)->text];
    std::vector<size_t> counts;
    for (const auto& y : set)
      counts.push_back(seen[y]);
    EXPECT_EQ(counts[0] + counts[1] + counts[2], 20000u);
    EXPECT_FITS(counts, probabilities);
  }
}

TEST_F(CusTextTest, StopwordsAndUnknownWordsAreKept) {
  Rng rng = Rng::from_seed(42);
  for (int i = 0; i < 200; ++i) {
    const auto out = mechanism_->sanitize("The zzz", 0.1, rng);
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(out->text, "The zzz");
    EXPECT_EQ(out->stats.oov, 1u);
  }
}

TEST_F(CusTextTest, CusTextSanitizesStopwordsThatCusTextPlusKeeps) {
  // "the" is in the set {g, h, the}. CusText+ keeps it every time; CusText
  // draws it like any word: from x = the, u = (cos - min) / (max - min) over
  // the angles 200, 260, 300 degrees, Pr ∝ exp(eps u / 2). 20,000 draws,
  // chi-square at the 1e-6 false-failure rate.
  auto plain =
      create_mechanism("custext", {{"top_k", "3"}, {"pool_size", "0"}}, table_, kCusTextCorpus);
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  const std::vector<std::string> set = {"g", "h", "the"};
  const double eps = 1;
  const auto probabilities = hand_probabilities("the", set, eps);
  Rng rng = Rng::from_seed(44);
  std::map<std::string, size_t> seen;
  for (int i = 0; i < 20000; ++i) {
    const auto out = (*plain)->sanitize("the", eps, rng);
    ASSERT_TRUE(out.ok());
    ++seen[out->text];
    ASSERT_EQ(out->stats.sampled, 1u);
    ASSERT_DOUBLE_EQ(out->stats.eps_spent, eps);
    const auto kept = mechanism_->sanitize("the", eps, rng);
    ASSERT_EQ(kept->text, "the");
    ASSERT_EQ(kept->stats.sampled, 0u);
    ASSERT_EQ(kept->stats.eps_spent, 0.0);
  }
  std::vector<size_t> counts;
  for (const auto& y : set)
    counts.push_back(seen[y]);
  EXPECT_EQ(counts[0] + counts[1] + counts[2], 20000u);
  EXPECT_GT(counts[0] + counts[1], 5000u);  // replaced about 60% of the time
  EXPECT_FITS(counts, probabilities);
}

TEST_F(CusTextTest, ChannelIsTheSoftmaxOverTheSetAndKeepsOnlyCusTextPlusStopwords) {
  // The exact channel (dp/word_channel.h) of both variants against the hand
  // computation: every mapped word's row is the softmax over its set, except
  // the stopwords "a" and "the", which CusText+ keeps with probability 1 and
  // CusText draws like any other word. Columns are the same numbers read by
  // output.
  auto plain =
      create_mechanism("custext", {{"top_k", "3"}, {"pool_size", "0"}}, table_, kCusTextCorpus);
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  const auto& plus = dynamic_cast<const WordChannel&>(*mechanism_);
  const auto& custext_channel = dynamic_cast<const WordChannel&>(**plain);
  for (double eps : {0.5, 4.0}) {
    for (const WordChannel* channel : {&plus, &custext_channel}) {
      ASSERT_EQ(channel->channel_inputs().size(), 9u);  // the three sets
      testing::expect_channel_equals(*channel, table_, eps, [&](const std::string& x) {
        std::map<std::string, double> want;
        if (channel == &plus && (x == "a" || x == "the")) {
          want[x] = 1;
          return want;
        }
        const auto set = set_of(x);
        const auto p = hand_probabilities(x, set, eps);
        for (size_t k = 0; k < set.size(); ++k)
          want[set[k]] = p[k];
        return want;
      });
    }
  }
}

TEST_F(CusTextTest, SpendsEpsPerMappedWordAndNothingOnRules) {
  // Of the mapped words, d, b and g are no stopword (eps each); "A" and
  // "the" are stopwords, kept by CusText+ (0) and drawn by CusText (eps);
  // the number's offset does not depend on eps (0); "zzz" is unknown and
  // kept (0).
  Rng rng = Rng::from_seed(45);
  const double eps = 2.5;
  const auto out = mechanism_->sanitize("A d, b the g 42 zzz", eps, rng);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->stats.sampled, 3u);
  EXPECT_DOUBLE_EQ(out->stats.eps_spent, 3 * eps);
  auto plain =
      create_mechanism("custext", {{"top_k", "3"}, {"pool_size", "0"}}, table_, kCusTextCorpus);
  ASSERT_TRUE(plain.ok());
  const auto all = (*plain)->sanitize("A d, b the g 42 zzz", eps, rng);
  EXPECT_EQ(all->stats.sampled, 5u);
  EXPECT_DOUBLE_EQ(all->stats.eps_spent, 5 * eps);
}

TEST_F(CusTextTest, NumbersGetAUniformOffsetBelow1000) {
  Rng rng = Rng::from_seed(43);
  std::vector<size_t> counts(10);
  for (int i = 0; i < 20000; ++i) {
    const auto out = mechanism_->sanitize("42", 1.0, rng);
    const long long value = std::stoll(out->text);
    ASSERT_GE(value, 42);
    ASSERT_LT(value, 1042);
    ++counts[(value - 42) / 100];
    EXPECT_EQ(out->stats.numbers, 1u);
  }
  EXPECT_FITS(counts, std::vector<double>(10, 0.1));
  const auto comma = mechanism_->sanitize("1,000", 1.0, rng);
  EXPECT_GE(std::stoll(comma->text), 1000);
  const auto decimal = mechanism_->sanitize("3.6", 1.0, rng);
  EXPECT_GE(std::stoll(decimal->text), 4);
}

// Digits only: a non-negative integer however long the input.
bool all_digits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

TEST_F(CusTextTest, NumbersBeyondSixtyFourBitsStayNearAndNonNegative) {
  // The 128-bit integers of the compiler check the sum independently.
  __extension__ using u128 = unsigned __int128;
  auto parse = [](const std::string& digits) {
    u128 value = 0;
    for (char c : digits)
      value = value * 10 + static_cast<unsigned>(c - '0');
    return value;
  };
  Rng rng = Rng::from_seed(44);
  for (const std::string input :
       {"99999999999999999999", "9223372036854775807", "18446744073709551615",
        "12345678901234567890123456789012345678"}) {
    for (int i = 0; i < 200; ++i) {
      const std::string out = mechanism_->sanitize(input, 1.0, rng)->text;
      ASSERT_TRUE(all_digits(out)) << input << " -> " << out;
      ASSERT_LE(out.size(), 39u);  // below 2^128
      const u128 low = parse(input), shifted = parse(out);
      ASSERT_TRUE(shifted >= low && shifted - low < 1000) << input << " -> " << out;
    }
  }
}

TEST_F(CusTextTest, NumbersOfAnyLengthGetTheOffsetOnTheirLastDigits) {
  Rng rng = Rng::from_seed(45);
  for (size_t length : {20u, 40u, 400u}) {
    // 10^(L-1) + k: the leading one and zeros stay, the last three digits are k.
    const std::string power = fmt::format("1{}", std::string(length - 1, '0'));
    std::vector<size_t> counts(10);
    for (int i = 0; i < 5000; ++i) {
      const std::string out = mechanism_->sanitize(power, 1.0, rng)->text;
      ASSERT_TRUE(all_digits(out)) << out;
      ASSERT_EQ(out.size(), length);
      ASSERT_EQ(out.substr(0, length - 3), power.substr(0, length - 3));
      ++counts[std::stoul(out.substr(length - 3)) / 100];
    }
    EXPECT_FITS(counts, std::vector<double>(10, 0.1));

    // L nines + k: unchanged for k = 0, else 10^L + (k - 1), one digit longer.
    const std::string nines(length, '9');
    const std::string ten_to_length_prefix = "1" + std::string(length - 3, '0');
    for (int i = 0; i < 200; ++i) {
      const std::string out = mechanism_->sanitize(nines, 1.0, rng)->text;
      if (out == nines) continue;
      ASSERT_EQ(out.size(), length + 1) << out;
      ASSERT_EQ(out.substr(0, length - 2), ten_to_length_prefix);
      ASSERT_TRUE(all_digits(out.substr(length - 2))) << out;
    }

    // A fraction of one half rounds up: 10^(L-1) + 1 + k, k < 1000.
    const std::string half = mechanism_->sanitize(power + ".5", 1.0, rng)->text;
    ASSERT_EQ(half.size(), length) << half;
    EXPECT_EQ(half.substr(0, length - 4), power.substr(0, length - 4));
    const unsigned long last = std::stoul(half.substr(length - 4));
    EXPECT_GE(last, 1u);
    EXPECT_LE(last, 1000u);
  }
}

TEST_F(CusTextTest, NumbersThatAreNoValueAreKept) {
  Rng rng = Rng::from_seed(46);
  // Two decimal points, and digits other than 0-9 (Arabic-Indic one, two).
  for (const std::string text : {"1.2.3", "\u0661\u0662"}) {
    const auto out = mechanism_->sanitize(text, 1.0, rng);
    EXPECT_EQ(out->text, text);
    EXPECT_EQ(out->stats.numbers, 1u) << text;
  }
}

// A table whose first rows are punctuation, a fragment and a number, placed
// among the words as a real table holds them (">" next to "acid").
class CusTextPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<std::pair<std::string, double>> rows = {
        {">", 2}, {"'s", 4}, {"1990", 6}, {"base", 30}, {"acid", 0}, {"salt", 200}};
    std::vector<std::string> words;
    std::vector<float> values;
    for (const auto& [word, degrees] : rows) {
      words.push_back(word);
      values.push_back(static_cast<float>(std::cos(degrees * M_PI / 180)));
      values.push_back(static_cast<float>(std::sin(degrees * M_PI / 180)));
    }
    auto table = EmbeddingTable::from_rows(words, values, 2);
    ASSERT_TRUE(table.ok());
    table_ = std::move(*table);
  }
  std::vector<std::string> set_of_acid(const std::map<std::string, std::string>& params) const {
    auto mechanism = create_mechanism("custext+", params, table_, {"acid"});
    EXPECT_TRUE(mechanism.ok()) << mechanism.error().message();
    const auto& custext = dynamic_cast<const CusText&>(**mechanism);
    std::vector<std::string> out;
    for (uint32_t row : *custext.candidates(*table_.find("acid")))
      out.push_back(table_.word(row));
    return out;
  }
  std::set<std::string> outputs_for_acid(const std::map<std::string, std::string>& params) const {
    auto mechanism = create_mechanism("custext+", params, table_, {"acid"});
    EXPECT_TRUE(mechanism.ok()) << mechanism.error().message();
    Rng rng = Rng::from_seed(47);
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i)
      seen.insert((*mechanism)->sanitize("acid", 0.1, rng)->text);
    return seen;
  }

  EmbeddingTable table_;
};

TEST_F(CusTextPoolTest, WordsAreNeverReplacedByPunctuationFragmentsOrNumbers) {
  // Default pool_rows=words: the candidates are the word rows only, nearest
  // first by angle (acid 0, base 30, salt 200 degrees).
  EXPECT_EQ(set_of_acid({{"top_k", "3"}, {"pool_size", "0"}}),
            (std::vector<std::string>{"acid", "base", "salt"}));
  EXPECT_EQ(outputs_for_acid({{"top_k", "3"}, {"pool_size", "0"}}),
            (std::set<std::string>{"acid", "base", "salt"}));
  // pool_size counts word rows: the first one ("base") plus the corpus word.
  EXPECT_EQ(set_of_acid({{"top_k", "3"}, {"pool_size", "1"}}),
            (std::vector<std::string>{"acid", "base"}));
}

TEST_F(CusTextPoolTest, PoolRowsAllKeepsTheOriginalPool) {
  // Every row: the three nearest to acid (0 degrees) are acid, ">" (2) and "'s" (4).
  const std::map<std::string, std::string> all = {
      {"top_k", "3"}, {"pool_size", "0"}, {"pool_rows", "all"}};
  EXPECT_EQ(set_of_acid(all), (std::vector<std::string>{"acid", ">", "'s"}));
  EXPECT_EQ(outputs_for_acid(all), (std::set<std::string>{"acid", ">", "'s"}));
  // pool_size counts every row: the first one (">") plus the corpus word.
  EXPECT_EQ(set_of_acid({{"top_k", "3"}, {"pool_size", "1"}, {"pool_rows", "all"}}),
            (std::vector<std::string>{"acid", ">"}));
}

}  // namespace
}  // namespace privqa
