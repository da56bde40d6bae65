#include "privqa/dp/custext.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

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
  // For x = b in {a, b, c}: u = (cos - min) / (max - min) from the angles.
  const std::vector<std::string> set = {"a", "b", "c"};
  std::vector<double> sims;
  for (const auto& y : set)
    sims.push_back(cosine("b", y));
  const double low = *std::min_element(sims.begin(), sims.end());
  const double high = *std::max_element(sims.begin(), sims.end());
  for (double eps : {1.0, 3.0, 8.0}) {
    std::vector<double> probabilities;
    double total = 0;
    for (double s : sims)
      total += probabilities.emplace_back(std::exp(eps * (s - low) / (high - low) / 2));
    for (double& p : probabilities)
      p /= total;
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

}  // namespace
}  // namespace privqa
