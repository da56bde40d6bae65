#include "privqa/dp/rng.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "dp/stat_testing.h"

namespace privqa {
namespace {

std::vector<uint64_t> draw(Rng rng, size_t n) {
  std::vector<uint64_t> out(n);
  for (auto& v : out)
    v = rng.next_u64();
  return out;
}

TEST(StatTesting, ChiSquareTailMatchesTabulatedCriticalValues) {
  // Critical values of the chi-square distribution at 5% (standard tables).
  EXPECT_NEAR(testing::upper_incomplete_gamma(0.5, 3.841 / 2), 0.05, 1e-4);
  EXPECT_NEAR(testing::upper_incomplete_gamma(5.0, 18.307 / 2), 0.05, 1e-4);
  EXPECT_NEAR(testing::upper_incomplete_gamma(50.0, 124.342 / 2), 0.05, 1e-4);
}

TEST(Rng, SameKeysGiveTheSameStream) {
  const auto a = draw(cell_rng(7, "q1", "S3", "santext+", 2.0, 0), 100);
  const auto b = draw(cell_rng(7, "q1", "S3", "santext+", 2.0, 0), 100);
  EXPECT_EQ(a, b);
}

TEST(Rng, EveryKeyPartSelectsADifferentStream) {
  const auto base = draw(cell_rng(7, "q1", "S3", "santext+", 2.0, 0), 4);
  EXPECT_NE(base, draw(cell_rng(8, "q1", "S3", "santext+", 2.0, 0), 4));
  EXPECT_NE(base, draw(cell_rng(7, "q2", "S3", "santext+", 2.0, 0), 4));
  EXPECT_NE(base, draw(cell_rng(7, "q1", "S2", "santext+", 2.0, 0), 4));
  EXPECT_NE(base, draw(cell_rng(7, "q1", "S3", "inferdpt", 2.0, 0), 4));
  EXPECT_NE(base, draw(cell_rng(7, "q1", "S3", "santext+", 3.0, 0), 4));
  EXPECT_NE(base, draw(cell_rng(7, "q1", "S3", "santext+", 2.0, 1), 4));
}

TEST(Rng, KeyPartsAreDelimited) {
  EXPECT_NE(draw(Rng(StreamKey().add("ab").add("c")), 4),
            draw(Rng(StreamKey().add("a").add("bc")), 4));
  EXPECT_NE(draw(Rng(StreamKey().add(uint64_t{1})), 4), draw(Rng(StreamKey().add(1.0)), 4));
  EXPECT_EQ(draw(Rng(StreamKey().add(0.0)), 4), draw(Rng(StreamKey().add(-0.0)), 4));
}

TEST(Rng, StreamContinuesAcrossBlocks) {
  // 8 values per 64-byte block: values of consecutive blocks must differ.
  const auto values = draw(Rng::from_seed(1), 64);
  for (size_t i = 8; i < values.size(); ++i)
    EXPECT_NE(values[i], values[i - 8]);
}

TEST(Rng, StreamIsStableAcrossImplementations) {
  // Values of the one-block-at-a-time implementation, recorded before the
  // keystream was computed several blocks at once: the same keys must keep
  // giving the same stream (within a block, at block and refill boundaries).
  const std::vector<std::pair<size_t, uint64_t>> known = {
      {0, 0x6f8e38760ca9e9d9ULL},  {7, 0xcd11868dbba11b0cULL},  {8, 0xf7ab48ee1139a402ULL},
      {63, 0xc1eb56ab0e511760ULL}, {64, 0xd805c26fe91cd34eULL}, {999, 0xc5386ad347350663ULL}};
  const auto values = draw(cell_rng(7, "q1", "S3", "santext+", 2.0, 0), 1000);
  for (const auto& [index, value] : known)
    EXPECT_EQ(values[index], value) << "value " << index;
}

// The state of RFC 8439 section 2.3: constants, key, counter, nonce (the
// key and nonce as bytes, read as little-endian words).
std::array<uint32_t, 16> rfc_state(const std::array<uint8_t, 32>& key, uint32_t counter,
                                   const std::array<uint8_t, 12>& nonce) {
  std::array<uint32_t, 16> state = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
  auto word = [](const uint8_t* b) {
    return uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
  };
  for (int i = 0; i < 8; ++i)
    state[4 + i] = word(&key[size_t{4} * i]);
  state[12] = counter;
  for (int i = 0; i < 3; ++i)
    state[13 + i] = word(&nonce[size_t{4} * i]);
  return state;
}

std::array<uint8_t, 32> rfc_key() {  // 00:01:02:...:1f
  std::array<uint8_t, 32> key{};
  for (int i = 0; i < 32; ++i)
    key[i] = static_cast<uint8_t>(i);
  return key;
}

// Serializes keystream words as RFC 8439 does: each word little-endian.
std::vector<uint8_t> serialize(const uint32_t* words, size_t count) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < count; ++i) {
    for (int b = 0; b < 4; ++b)
      out.push_back(static_cast<uint8_t>(words[i] >> (8 * b)));
  }
  return out;
}

TEST(ChaCha20, BlockFunctionMatchesRfc8439TestVector) {
  // RFC 8439 section 2.3.2: key 00..1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00,
  // block count 1.
  std::array<uint32_t, 128> out{};
  chacha20_blocks(rfc_state(rfc_key(), 1, {0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0}), out);
  const std::array<uint32_t, 16> expected = {0xe4e7f110, 0x15593bd1, 0x1fdd0f50, 0xc47120a3,
                                             0xc7f4d1c7, 0x0368c033, 0x9aaa2204, 0x4e6cd4c3,
                                             0x466482d2, 0x09aa9f07, 0x05d7c214, 0xa2028bd9,
                                             0xd19c12b5, 0xb94e16de, 0xe883d0cb, 0x4e3c50a2};
  for (size_t i = 0; i < 16; ++i)
    EXPECT_EQ(out[i], expected[i]) << "word " << i;
  // The serialized block, as the RFC prints it.
  const std::vector<uint8_t> bytes = {
      0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3,
      0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22,
      0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa,
      0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12, 0x9c, 0xd1,
      0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e};
  EXPECT_EQ(serialize(out.data(), 16), bytes);
}

TEST(ChaCha20, KeystreamEncryptsTheRfc8439Sunscreen) {
  // RFC 8439 section 2.4.2: key 00..1f, nonce 00:00:00:00:00:00:00:4a:00:00:00:00,
  // initial counter 1; the keystream of blocks 1 and 2 XOR the plaintext.
  std::array<uint32_t, 128> out{};
  chacha20_blocks(rfc_state(rfc_key(), 1, {0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0}), out);
  const std::string plaintext =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
      "future, sunscreen would be it.";
  ASSERT_EQ(plaintext.size(), 114u);
  const std::vector<uint8_t> ciphertext = {
      0x6e, 0x2e, 0x35, 0x9a, 0x25, 0x68, 0xf9, 0x80, 0x41, 0xba, 0x07, 0x28, 0xdd, 0x0d, 0x69,
      0x81, 0xe9, 0x7e, 0x7a, 0xec, 0x1d, 0x43, 0x60, 0xc2, 0x0a, 0x27, 0xaf, 0xcc, 0xfd, 0x9f,
      0xae, 0x0b, 0xf9, 0x1b, 0x65, 0xc5, 0x52, 0x47, 0x33, 0xab, 0x8f, 0x59, 0x3d, 0xab, 0xcd,
      0x62, 0xb3, 0x57, 0x16, 0x39, 0xd6, 0x24, 0xe6, 0x51, 0x52, 0xab, 0x8f, 0x53, 0x0c, 0x35,
      0x9f, 0x08, 0x61, 0xd8, 0x07, 0xca, 0x0d, 0xbf, 0x50, 0x0d, 0x6a, 0x61, 0x56, 0xa3, 0x8e,
      0x08, 0x8a, 0x22, 0xb6, 0x5e, 0x52, 0xbc, 0x51, 0x4d, 0x16, 0xcc, 0xf8, 0x06, 0x81, 0x8c,
      0xe9, 0x1a, 0xb7, 0x79, 0x37, 0x36, 0x5a, 0xf9, 0x0b, 0xbf, 0x74, 0xa3, 0x5b, 0xe6, 0xb4,
      0x0b, 0x8e, 0xed, 0xf2, 0x78, 0x5e, 0x42, 0x87, 0x4d};
  const std::vector<uint8_t> keystream = serialize(out.data(), 32);
  std::vector<uint8_t> encrypted;
  for (size_t i = 0; i < plaintext.size(); ++i)
    encrypted.push_back(static_cast<uint8_t>(plaintext[i]) ^ keystream[i]);
  EXPECT_EQ(encrypted, ciphertext);
}

TEST(ChaCha20, EightBlocksAreConsecutiveCounters) {
  // Block b of one call is block 0 of a call at counter + b, also when the
  // counter's low word carries into the high word (Rng's 64-bit counter).
  std::array<uint32_t, 16> state = rfc_state(rfc_key(), 0xfffffffd, {});
  std::array<uint32_t, 128> eight{};
  chacha20_blocks(state, eight);
  for (uint32_t b = 1; b < 8; ++b) {
    const uint64_t counter = 0xfffffffdULL + b;
    std::array<uint32_t, 16> moved = state;
    moved[12] = static_cast<uint32_t>(counter);
    moved[13] = static_cast<uint32_t>(counter >> 32);
    std::array<uint32_t, 128> one{};
    chacha20_blocks(moved, one);
    for (size_t k = 0; k < 16; ++k)
      EXPECT_EQ(eight[size_t{b} * 16 + k], one[k]) << "block " << b << " word " << k;
  }
}

TEST(Rng, BelowIsUniform) {
  Rng rng = Rng::from_seed(11);
  const size_t n = 7, draws = 70000;
  std::vector<size_t> counts(n);
  for (size_t i = 0; i < draws; ++i) {
    const uint64_t v = rng.below(n);
    ASSERT_LT(v, n);
    ++counts[v];
  }
  EXPECT_FITS(counts, std::vector<double>(n, 1.0 / n));
}

TEST(Rng, UniformFillsTheUnitInterval) {
  Rng rng = Rng::from_seed(12);
  std::vector<size_t> counts(20);
  for (int i = 0; i < 100000; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ++counts[static_cast<size_t>(u * 20)];
  }
  EXPECT_FITS(counts, std::vector<double>(20, 0.05));
}

TEST(Rng, LaplaceMatchesItsDistribution) {
  // Bins of width scale/2 over [-4 scale, 4 scale] plus two tails; the exact
  // probability of each bin comes from the Laplace CDF.
  const double scale = 1.7;
  auto cdf = [&](double x) {
    return x < 0 ? 0.5 * std::exp(x / scale) : 1 - 0.5 * std::exp(-x / scale);
  };
  std::vector<double> edges = {-INFINITY};
  for (int i = -8; i <= 8; ++i)
    edges.push_back(i * scale / 2);
  edges.push_back(INFINITY);
  std::vector<double> probabilities;
  for (size_t i = 0; i + 1 < edges.size(); ++i) {
    probabilities.push_back(cdf(edges[i + 1]) - cdf(edges[i]));
  }
  std::vector<size_t> counts(probabilities.size());
  Rng rng = Rng::from_seed(13);
  for (int i = 0; i < 100000; ++i) {
    const double x = rng.laplace(scale);
    size_t bin = 0;
    while (x >= edges[bin + 1])
      ++bin;
    ++counts[bin];
  }
  EXPECT_FITS(counts, probabilities);
}

TEST(StatTesting, KolmogorovSmirnovTailMatchesTabulatedCriticalValues) {
  // Asymptotic critical values of sqrt(n) D (standard tables).
  EXPECT_NEAR(testing::kolmogorov_tail(1.0), 0.2700, 1e-4);
  EXPECT_NEAR(testing::kolmogorov_tail(1.358), 0.05, 1e-3);
  EXPECT_NEAR(testing::kolmogorov_tail(1.949), 0.001, 1e-4);
  // Uniform samples at the i/n points have D = 1/n: p close to 1.
  std::vector<double> grid;
  for (int i = 1; i <= 1000; ++i)
    grid.push_back((i - 0.5) / 1000);
  EXPECT_GT(testing::kolmogorov_smirnov(grid, [](double x) { return x; }).p_value, 0.999);
  // Uniform samples against the CDF x^2: D = max (x - x^2) = 1/4 at n = 1000, p ~ 0.
  EXPECT_LT(testing::kolmogorov_smirnov(grid, [](double x) { return x * x; }).p_value, 1e-12);
}

TEST(Rng, NormalMatchesItsDistribution) {
  auto cdf = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  std::vector<double> samples;
  Rng rng = Rng::from_seed(15);
  for (int i = 0; i < 100000; ++i)
    samples.push_back(rng.normal());
  EXPECT_KS_FITS(samples, cdf);
}

TEST(Rng, GammaMatchesItsDistribution) {
  // CDF of Gamma(shape, scale) at x: 1 - Q(shape, x / scale); shapes below 1
  // take the boosted path, 100 is a CMP radius in 100 dimensions.
  Rng rng = Rng::from_seed(16);
  for (double shape : {0.4, 1.0, 2.5, 100.0}) {
    const double scale = 0.7;
    SCOPED_TRACE(shape);
    std::vector<double> samples;
    for (int i = 0; i < 20000; ++i)
      samples.push_back(rng.gamma(shape, scale));
    EXPECT_KS_FITS(samples,
                   [&](double x) { return 1 - testing::upper_incomplete_gamma(shape, x / scale); });
  }
}

// Two independent 64-bit draws are equal with probability 2^-64.
TEST(Rng, OsEntropySeedsDiffer) {
  auto a = os_entropy_seed();
  auto b = os_entropy_seed();
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace privqa
