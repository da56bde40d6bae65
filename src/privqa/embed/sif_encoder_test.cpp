#include "privqa/embed/sif_encoder.h"

#include <gtest/gtest.h>

#include <cmath>

namespace privqa {
namespace {

EmbeddingTable axes_table() {
  // a, b, c on the axes; "heart" and "cardiac" close together.
  auto table = EmbeddingTable::from_rows({"a", "b", "c", "heart", "cardiac"},
                                         {1, 0, 0, 0, 1, 0, 0, 0, 1, 2, 2, 0, 2, 1.5f, 0}, 3);
  EXPECT_TRUE(table.ok());
  return std::move(*table);
}

TEST(CosineSimilarity, KnownAngles) {
  const std::vector<float> x = {1, 0}, diag = {1, 1}, minus = {-2, 0}, zero = {0, 0};
  EXPECT_NEAR(cosine_similarity(x, diag), 1 / std::sqrt(2.0), 1e-7);
  EXPECT_NEAR(cosine_similarity(x, minus), -1.0, 1e-7);
  EXPECT_NEAR(cosine_similarity(x, x), 1.0, 1e-7);
  EXPECT_EQ(cosine_similarity(x, zero), 0.0f);
}

TEST(SifEncoder, WeightsFromCorpusCounts) {
  const EmbeddingTable table = axes_table();
  const double a = 1e-3;
  // Content tokens: a x3, b x1, unknown "zzz" x1 -> total 5.
  auto encoder = SifEncoder::build(table, {"a a b", "A zzz!"}, a);
  ASSERT_TRUE(encoder.ok()) << encoder.error().message();
  EXPECT_NEAR(encoder->weight("a"), a / (a + 3.0 / 5), 1e-9);
  EXPECT_NEAR(encoder->weight("b"), a / (a + 1.0 / 5), 1e-9);
  EXPECT_NEAR(encoder->weight("c"), 1.0, 1e-9);  // unseen in the corpus: p = 0
  EXPECT_NEAR(encoder->weight("zzz"), 1.0, 1e-9);
}

TEST(SifEncoder, ZipfWeightsWithoutCorpusAndNoComponentRemoval) {
  const EmbeddingTable table = axes_table();
  const double a = 1e-3;
  auto encoder = SifEncoder::build(table, {}, a);
  ASSERT_TRUE(encoder.ok());
  EXPECT_TRUE(encoder->principal_component().empty());
  const double h5 = 1 + 1 / 2.0 + 1 / 3.0 + 1 / 4.0 + 1 / 5.0;
  const double wa = a / (a + 1 / (1 * h5));
  const double wc = a / (a + 1 / (3 * h5));
  EXPECT_NEAR(encoder->weight("a"), wa, 1e-9);
  EXPECT_NEAR(encoder->weight("c"), wc, 1e-9);
  // Mean over the known words only; punctuation and unknown words skipped.
  auto v = encoder->encode("A, c; unknown.");
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 3u);
  EXPECT_NEAR((*v)[0], wa / 2, 1e-7);
  EXPECT_NEAR((*v)[1], 0.0, 1e-7);
  EXPECT_NEAR((*v)[2], wc / 2, 1e-7);
  auto none = encoder->encode("nothing known here");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, std::vector<float>(3, 0.0f));
}

TEST(SifEncoder, RemovesTheCorpusFirstPrincipalComponent) {
  const EmbeddingTable table = axes_table();
  const double a = 1e-3;
  // Sentence vectors: "a" -> wa * e1 (three times), "b" -> wb * e2. The
  // uncentred Gram matrix is diag(3 wa^2, wb^2, 0); with p(a) = 3/4 and
  // p(b) = 1/4, wb^2 > 3 wa^2, so the component is e2.
  const std::vector<std::string> corpus = {"a", "a", "a", "b"};
  auto encoder = SifEncoder::build(table, corpus, a);
  ASSERT_TRUE(encoder.ok());
  const double wa = a / (a + 0.75), wb = a / (a + 0.25);
  ASSERT_GT(wb * wb, 3 * wa * wa);
  const auto& pc = encoder->principal_component();
  ASSERT_EQ(pc.size(), 3u);
  EXPECT_NEAR(std::abs(pc[1]), 1.0, 1e-6);
  EXPECT_NEAR(pc[0], 0.0, 1e-6);
  auto va = encoder->encode("a");
  auto vb = encoder->encode("b");
  ASSERT_TRUE(va.ok() && vb.ok());
  EXPECT_NEAR((*va)[0], wa, 1e-7);
  for (const float x : *vb)
    EXPECT_NEAR(x, 0.0, 1e-7);  // b lies on the component
}

TEST(SifEncoder, SimilarWordsGiveSimilarSentences) {
  const EmbeddingTable table = axes_table();
  auto encoder = SifEncoder::build(table, {});
  ASSERT_TRUE(encoder.ok());
  auto heart = encoder->encode("Heart");
  auto cardiac = encoder->encode("cardiac");
  auto c = encoder->encode("c");
  ASSERT_TRUE(heart.ok() && cardiac.ok() && c.ok());
  EXPECT_GT(cosine_similarity(*heart, *cardiac), 0.95f);
  EXPECT_NEAR(cosine_similarity(*heart, *c), 0.0f, 1e-6);
}

TEST(SifEncoder, RejectsBadParameters) {
  const EmbeddingTable table = axes_table();
  EXPECT_FALSE(SifEncoder::build(table, {}, 0.0).ok());
  EXPECT_FALSE(SifEncoder::build(EmbeddingTable(), {}).ok());
}

}  // namespace
}  // namespace privqa
