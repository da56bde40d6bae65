#include "privqa/dp/inferdpt.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "dp/stat_testing.h"
#include "privqa/dp/registry.h"
#include "privqa/text/tokenizer.h"

namespace privqa {
namespace {

// One-dimensional embeddings: the noise radius is |Laplace| ~ Exponential,
// so the exact output distribution is a 1-D integral the test can evaluate.
const std::map<std::string, double> kValues = {
    {"a", 0.0}, {"b", 0.5}, {"c", 1.2}, {"d", -0.7}, {"e", 3.0}};

EmbeddingTable inferdpt_table() {
  std::vector<std::string> words;
  std::vector<float> values;
  for (const auto& [word, value] : kValues) {
    words.push_back(word);
    values.push_back(static_cast<float>(value));
  }
  auto table = EmbeddingTable::from_rows(words, values, 1);
  EXPECT_TRUE(table.ok());
  return std::move(*table);
}

// Pr(y | x) = ∫ Exp(r; mean beta) g_y(r) dr with g_y(r) = 1{d_y <= r} exp(-eps d_y / (2r)) / Z(r),
// by Simpson's rule between the breakpoints d_y and up to 60 beta.
std::map<std::string, double> exact(const std::string& x, double eps, double beta) {
  std::map<std::string, double> d;
  std::vector<double> breaks = {0};
  for (const auto& [y, v] : kValues) {
    d[y] = std::fabs(v - kValues.at(x));
    if (d[y] > 0) breaks.push_back(d[y]);
  }
  std::sort(breaks.begin(), breaks.end());
  breaks.push_back(60 * beta);
  auto integrand = [&](double r, const std::string& y) {
    if (d[y] > r) return 0.0;
    double z = 0;
    for (const auto& [w, dw] : d)
      z += dw <= r ? std::exp(-eps * dw / (2 * r)) : 0;
    return std::exp(-r / beta) / beta * std::exp(-eps * d[y] / (2 * r)) / z;
  };
  std::map<std::string, double> out;
  for (const auto& [y, unused] : d) {
    double total = 0;
    for (size_t s = 0; s + 1 < breaks.size(); ++s) {
      const double lo = breaks[s], hi = breaks[s + 1];
      const int n = 2000;
      const double h = (hi - lo) / n;
      // Open at lo: the integrand jumps there.
      double sum = integrand(lo + 1e-12, y) + integrand(hi - 1e-12, y);
      for (int i = 1; i < n; ++i)
        sum += (i % 2 ? 4 : 2) * integrand(lo + i * h, y);
      total += sum * h / 3;
    }
    out[y] = total;
  }
  return out;
}

std::shared_ptr<const Mechanism> make(const EmbeddingTable& table,
                                      const std::map<std::string, std::string>& params) {
  auto mechanism = create_mechanism("inferdpt", params, table, {});
  EXPECT_TRUE(mechanism.ok()) << mechanism.error().message();
  return *mechanism;
}

TEST(InferDpt, NoiseDivisorFollowsBothSchedules) {
  EXPECT_EQ(inferdpt_noise_divisor(InferDptNoise::kLaplace, 3.0), 3.0);
  EXPECT_EQ(inferdpt_noise_divisor(InferDptNoise::kInferDpt, 1.5), 1.5);
  // tt(3) = 0.01658160142016071 ln(19.064721649556482 * 3 - 38.1294334077209) + 9.311083811697406
  EXPECT_NEAR(inferdpt_noise_divisor(InferDptNoise::kInferDpt, 3.0), 9.3599, 1e-4);
  EXPECT_NEAR(inferdpt_noise_divisor(InferDptNoise::kInferDpt, 2.0), 9.1200, 1e-4);
}

TEST(InferDpt, SensitivityIsTheRangeOfEachDimension) {
  const EmbeddingTable table = inferdpt_table();
  auto mechanism = make(table, {});
  EXPECT_NEAR(dynamic_cast<const InferDpt&>(*mechanism).sensitivity()[0], 3.7, 1e-6);
}

TEST(InferDpt, SelectionWithinRadiusIsExact) {
  const std::vector<float> distances = {0, 0.5, 1.0, 1.5, 3.0, 2.5};
  const double radius = 2, eps = 2;
  std::vector<double> probabilities;
  for (float d : distances)
    probabilities.push_back(d <= radius ? std::exp(-eps * d / (2 * radius)) : 0);
  double total = 0;
  for (double p : probabilities)
    total += p;
  for (double& p : probabilities)
    p /= total;
  Rng rng = Rng::from_seed(51);
  std::vector<size_t> counts(distances.size());
  for (int i = 0; i < 30000; ++i)
    ++counts[inferdpt_select(distances, radius, eps, rng)];
  EXPECT_FITS(counts, probabilities);
}

TEST(InferDpt, SelectionStaysExactWhenRejectionGivesUp) {
  // 3 reachable candidates among 2000 and a steep eps: most draws take the
  // direct path after the uniform proposals fail.
  std::vector<float> distances(2000, 10.0f);
  distances[0] = 0;
  distances[700] = 0.05f;
  distances[1999] = 0.1f;
  const double radius = 0.2, eps = 12;
  std::vector<double> weights = {1, std::exp(-eps * 0.05 / 0.4), std::exp(-eps * 0.1 / 0.4)};
  const double total = weights[0] + weights[1] + weights[2];
  Rng rng = Rng::from_seed(52);
  std::vector<size_t> counts(3);
  for (int i = 0; i < 20000; ++i) {
    const size_t pick = inferdpt_select(distances, radius, eps, rng);
    ASSERT_TRUE(pick == 0 || pick == 700 || pick == 1999);
    ++counts[pick == 0 ? 0 : pick == 700 ? 1 : 2];
  }
  EXPECT_FITS(counts,
              (std::vector<double>{weights[0] / total, weights[1] / total, weights[2] / total}));
}

TEST(InferDpt, WordOutputMatchesTheIntegratedDistribution) {
  const EmbeddingTable table = inferdpt_table();
  for (const char* noise : {"laplace", "inferdpt"}) {
    auto mechanism = make(table, {{"noise", noise}});
    for (double eps : {1.0, 3.0}) {
      const double divisor =
          std::string(noise) == "laplace" || eps < 2
              ? eps
              : 0.01658160142016071 * std::log(19.064721649556482 * eps - 38.1294334077209) +
                    9.311083811697406;
      const auto expected = exact("b", eps, 3.7 / divisor);
      Rng rng = Rng::from_seed(53);
      std::map<std::string, size_t> seen;
      for (int i = 0; i < 20000; ++i)
        ++seen[mechanism->sanitize("b", eps, rng)->text];
      std::vector<size_t> counts;
      std::vector<double> probabilities;
      double mass = 0;
      for (const auto& [y, p] : expected) {
        counts.push_back(seen[y]);
        probabilities.push_back(p);
        mass += p;
      }
      EXPECT_NEAR(mass, 1.0, 1e-6) << "quadrature";
      EXPECT_FITS(counts, probabilities);
    }
  }
}

TEST(InferDpt, ReachableSetMatchesBruteForceBelowAndBeyondTheNearestList) {
  // 3,000 words on a line (more than the nearest list holds): the set
  // within r must be every word within r, whether r falls inside the cached
  // list or beyond it. Distances are float norm expansions, so words within
  // 1e-2 of the radius may go either way.
  std::vector<std::string> words;
  std::vector<float> values;
  for (size_t i = 0; i < 3000; ++i) {
    std::string name = "w";
    for (size_t n = i; n > 0 || name.size() == 1; n /= 26)
      name += static_cast<char>('a' + n % 26);
    words.push_back(name);
    values.push_back(
        static_cast<float>(static_cast<double>(i * 7919 % 3001) / 300.0));  // in [0, 10]
  }
  auto table = EmbeddingTable::from_rows(words, values, 1);
  ASSERT_TRUE(table.ok());
  auto mechanism = create_mechanism("inferdpt", {{"vocab_size", "3000"}}, *table, {});
  ASSERT_TRUE(mechanism.ok()) << mechanism.error().message();
  const auto& inferdpt = dynamic_cast<const InferDpt&>(**mechanism);
  ASSERT_EQ(inferdpt.vocabulary().size(), 3000u);
  for (uint32_t x : {0u, 17u, 1500u, 2999u}) {
    for (double radius : {0.01, 0.5, 2.0, 4.0, 6.0, 9.0, 11.0}) {
      const auto got = inferdpt.reachable(x, radius);
      std::vector<bool> in(3000, false);
      for (const Reachable& c : got) {
        ASSERT_LT(c.index, 3000u);
        ASSERT_FALSE(in[c.index]) << "listed twice";
        in[c.index] = true;
        const uint32_t y = inferdpt.vocabulary()[c.index];
        const double d = std::fabs(static_cast<double>(values[x]) - values[y]);
        EXPECT_NEAR(c.distance, d, 1e-2);
        EXPECT_LE(d, radius + 1e-2);
      }
      EXPECT_TRUE(in[x]) << "x itself is always within reach";
      for (uint32_t i = 0; i < 3000; ++i) {
        const double d =
            std::fabs(static_cast<double>(values[x]) - values[inferdpt.vocabulary()[i]]);
        if (d < radius - 1e-2) {
          EXPECT_TRUE(in[i]) << "x " << x << " r " << radius << " i " << i;
        }
      }
    }
  }
}

TEST(InferDpt, NumbersBecomeUniformIntegersUpTo1000) {
  const EmbeddingTable table = inferdpt_table();
  auto mechanism = make(table, {});
  Rng rng = Rng::from_seed(54);
  std::vector<size_t> counts(10);
  for (int i = 0; i < 20000; ++i) {
    const long long value = std::stoll(mechanism->sanitize("2024", 1.0, rng)->text);
    ASSERT_GE(value, 1);
    ASSERT_LE(value, 1000);
    ++counts[(value - 1) / 100];
  }
  EXPECT_FITS(counts, std::vector<double>(10, 0.1));
}

TEST(InferDpt, UnknownWordsAreDroppedWithTheirSpaceOrKept) {
  const EmbeddingTable table = inferdpt_table();
  Rng rng = Rng::from_seed(55);
  auto dropping = make(table, {});
  const auto dropped = dropping->sanitize("zz a qq, a yy", 1.0, rng);
  ASSERT_TRUE(dropped.ok());
  const auto tokens = tokenize(dropped->text);
  ASSERT_EQ(tokens.size(), 4u) << dropped->text;  // word, ',', ' ', word
  EXPECT_EQ(tokens[1].text, ",");
  EXPECT_EQ(tokens[2].text, " ");
  EXPECT_EQ(dropped->stats.dropped, 3u);
  EXPECT_EQ(dropped->stats.oov, 3u);

  auto keeping = make(table, {{"oov", "keep"}});
  const auto kept = keeping->sanitize("zz qq", 1.0, rng);
  EXPECT_EQ(kept->text, "zz qq");
}

TEST(InferDpt, SpendsEpsPerWordWithAVector) {
  // Each word with a vector is one noisy selection (eps); a number becomes a
  // uniform integer and an unknown word is dropped, neither depending on the
  // input (0).
  const EmbeddingTable table = inferdpt_table();
  auto mechanism = make(table, {});
  Rng rng = Rng::from_seed(56);
  for (double eps : {0.5, 3.0}) {
    const auto out = mechanism->sanitize("a b, zz 12 c e", eps, rng);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->stats.sampled, 4u);
    EXPECT_DOUBLE_EQ(out->stats.eps_spent, 4 * eps);
  }
}

}  // namespace
}  // namespace privqa
