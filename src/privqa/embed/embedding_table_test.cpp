#include "privqa/embed/embedding_table.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include "embed/hand_made_table.h"
#include "privqa/embed/embedding_formats.h"
#include "privqa/embed/knn.h"
#include "testing.h"

namespace privqa {
namespace {

using testing::hand_made_rows;
using testing::HandMadeFormat;
using testing::TempDir;
using testing::write_hand_made;
using testing::write_text;

EmbeddingLoadOptions no_cache() {
  EmbeddingLoadOptions o;
  o.use_cache = false;
  return o;
}

std::string load_error(const std::filesystem::path& path) {
  auto table = load_embeddings(path, no_cache());
  EXPECT_FALSE(table.ok()) << path;
  return table.ok() ? "" : table.error().message();
}

// The answers every loader must give for the hand-made table.
void expect_hand_made_table(const EmbeddingTable& table) {
  const auto& rows = hand_made_rows();
  ASSERT_EQ(table.size(), rows.size());
  ASSERT_EQ(table.dims(), 3u);
  for (uint32_t id = 0; id < rows.size(); ++id) {
    EXPECT_EQ(table.word(id), rows[id].word);
    const auto row = table.row(id);
    EXPECT_EQ(std::vector<float>(row.begin(), row.end()), rows[id].vector) << rows[id].word;
    EXPECT_EQ(table.find(rows[id].word), id);
  }
  EXPECT_EQ(table.find("KIDNEY"), std::nullopt);
  EXPECT_EQ(table.lookup("KIDNEY"), 9u);
  EXPECT_EQ(table.lookup("CAFÉ"), 8u);
  EXPECT_EQ(table.lookup("absent"), std::nullopt);

  // By construction: from "origin" the distances are |v|; café is at
  // sqrt(0.328125), then east, west and kidney tie at 1 (ties by row id).
  const VectorSet all = VectorSet::all(table);
  const auto euclid = all.nearest(table.row(0), 5, Metric::kEuclidean);
  ASSERT_EQ(euclid.size(), 5u);
  const std::vector<uint32_t> euclid_ids = {0, 8, 1, 7, 9};
  const std::vector<float> euclid_distances = {0, std::sqrt(0.328125f), 1, 1, 1};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(euclid[i].id, euclid_ids[i]) << i;
    EXPECT_FLOAT_EQ(euclid[i].distance, euclid_distances[i]) << i;
  }
  // Cosine from "east": east2 has the same direction (0), café has cosine
  // 0.5 / |café|, diag 1/sqrt(2), far 3/5; west is opposite (2).
  const auto cosine = all.nearest(table.row(1), 10, Metric::kCosine);
  ASSERT_EQ(cosine.size(), 10u);
  const std::vector<uint32_t> cosine_ids = {1, 5, 8, 6, 4, 0, 2, 3, 9, 7};
  const std::vector<float> cosine_distances = {
      0, 0, 1 - 0.5f / std::sqrt(0.328125f), 1 - 1 / std::sqrt(2.0f), 1 - 0.6f, 1, 1, 1, 1, 2};
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(cosine[i].id, cosine_ids[i]) << i;
    EXPECT_NEAR(cosine[i].distance, cosine_distances[i], 1e-6) << i;
  }
}

class EveryFormat : public ::testing::TestWithParam<HandMadeFormat> {};

TEST_P(EveryFormat, LoadsTheHandMadeTable) {
  TempDir dir;
  const auto path = write_hand_made(dir / "table", GetParam());
  auto table = load_embeddings(path, no_cache());
  ASSERT_TRUE(table.ok()) << table.error().message();
  const EmbeddingFormat expected_format =
      GetParam() == HandMadeFormat::kGlove      ? EmbeddingFormat::kGloveText
      : GetParam() == HandMadeFormat::kFastText ? EmbeddingFormat::kFastTextVec
      : GetParam() == HandMadeFormat::kWord2Vec ? EmbeddingFormat::kWord2VecBinary
                                                : EmbeddingFormat::kWinkJson;
  EXPECT_EQ(table->origin().format, expected_format);
  EXPECT_EQ(table->origin().cache, CacheUse::kNotUsed);
  expect_hand_made_table(*table);

  // The same table through a self-contained cache.
  ASSERT_TRUE(save_embedding_cache(*table, dir / "table.cache").ok());
  auto cached = load_embeddings(dir / "table.cache");
  ASSERT_TRUE(cached.ok()) << cached.error().message();
  EXPECT_EQ(cached->origin().format, EmbeddingFormat::kCache);
  expect_hand_made_table(*cached);
}

INSTANTIATE_TEST_SUITE_P(Loaders, EveryFormat,
                         ::testing::Values(HandMadeFormat::kGlove, HandMadeFormat::kFastText,
                                           HandMadeFormat::kWord2Vec, HandMadeFormat::kWink,
                                           HandMadeFormat::kWinkReordered));

TEST(EmbeddingTable, FromRowsValidates) {
  EXPECT_FALSE(EmbeddingTable::from_rows({"a", "b"}, {1, 2, 3}, 2).ok());  // size mismatch
  EXPECT_FALSE(EmbeddingTable::from_rows({"a"}, {1}, 0).ok());             // no dims
  EXPECT_FALSE(EmbeddingTable::from_rows({""}, {1}, 1).ok());              // empty word
  auto duplicate = EmbeddingTable::from_rows({"a", "b", "a"}, {1, 2, 3}, 1);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_NE(duplicate.error().message().find("duplicate word 'a'"), std::string::npos);
  auto empty = EmbeddingTable::from_rows({}, {}, 4);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), 0u);
  EXPECT_EQ(empty->find("a"), std::nullopt);
  EXPECT_EQ(EmbeddingTable().lookup("a"), std::nullopt);
}

TEST(EmbeddingTable, GatherCopiesTheRowsInTheOrderAsked) {
  auto table = EmbeddingTable::from_rows({"a", "b", "c"}, {1, 2, 3, 4, 5, 6}, 2);
  ASSERT_TRUE(table.ok());
  const std::vector<uint32_t> ids = {2, 0, 2};
  EXPECT_EQ(table->gather(ids), (std::vector<float>{5, 6, 1, 2, 5, 6}));
  EXPECT_TRUE(table->gather({}).empty());
}

TEST(EmbeddingTable, ManyWordsAllFound) {
  // Enough words for many probe collisions in the open-addressing index.
  std::vector<std::string> words;
  std::vector<float> values;
  for (int i = 0; i < 20000; ++i) {
    words.push_back(fmt::format("w{}", i));
    values.push_back(static_cast<float>(i));
  }
  auto table = EmbeddingTable::from_rows(words, values, 1);
  ASSERT_TRUE(table.ok());
  for (uint32_t i = 0; i < 20000; ++i) {
    ASSERT_EQ(table->find(words[i]), i);
    ASSERT_EQ(table->row(i)[0], static_cast<float>(i));
  }
  EXPECT_EQ(table->find("w20000"), std::nullopt);
}

TEST(EmbeddingLoaders, GloveDuplicatesKeepTheFirstRow) {
  TempDir dir;
  write_text(dir / "dup.txt", "a 1 2\nb 3 4\na 5 6\n");
  auto table = load_embeddings(dir / "dup.txt", no_cache());
  ASSERT_TRUE(table.ok()) << table.error().message();
  EXPECT_EQ(table->size(), 2u);
  EXPECT_EQ(table->origin().duplicates_skipped, 1u);
  EXPECT_EQ(table->row(*table->find("a"))[1], 2.0f);
}

TEST(EmbeddingLoaders, GloveWordWithBlanksAndCrLf) {
  TempDir dir;
  write_text(dir / "g.txt", "a 1 2\r\nnew york 3 4\r\n\r\n");
  auto table = load_embeddings(dir / "g.txt", no_cache());
  ASSERT_TRUE(table.ok()) << table.error().message();
  ASSERT_EQ(table->size(), 2u);
  EXPECT_EQ(table->word(1), "new york");
  EXPECT_EQ(table->row(1)[1], 4.0f);
}

TEST(EmbeddingLoaders, TextErrorsNameFileAndLine) {
  TempDir dir;
  write_text(dir / "short.txt", "a 1 2\nb 3\n");
  EXPECT_NE(load_error(dir / "short.txt").find("short.txt:2: expected a word and 2 values"),
            std::string::npos);
  write_text(dir / "nan.txt", "a 1 2\nb 3 x4\n");
  EXPECT_NE(load_error(dir / "nan.txt").find("nan.txt:2: value 2 ('x4') is not a finite number"),
            std::string::npos);
  write_text(dir / "inf.txt", "a 1 inf\n");
  EXPECT_NE(load_error(dir / "inf.txt").find("inf.txt:1:"), std::string::npos);
  write_text(dir / "empty.txt", "");
  EXPECT_NE(load_error(dir / "empty.txt").find("empty file"), std::string::npos);
  EXPECT_NE(load_error(dir / "missing.txt").find("missing.txt: no such file"), std::string::npos);
}

TEST(EmbeddingLoaders, FastTextHeaderMismatches) {
  TempDir dir;
  // Header promises 3 words; the file stops after 2 (truncated download).
  write_text(dir / "trunc.vec", "3 2\na 1 2 \nb 3 4 \n");
  EXPECT_NE(load_error(dir / "trunc.vec").find("header declares 3 words, file has 2"),
            std::string::npos);
  // Header says 3 dims, rows have 2.
  write_text(dir / "dims.vec", "2 3\na 1 2 7\nb 3 4\n");
  EXPECT_NE(load_error(dir / "dims.vec").find("dims.vec:3: expected a word and 3 values"),
            std::string::npos);
}

TEST(EmbeddingLoaders, Word2VecTruncatedAndTrailingData) {
  TempDir dir;
  const auto good = write_hand_made(dir / "good.bin", HandMadeFormat::kWord2Vec);
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  write_text(dir / "cut.bin", bytes.substr(0, bytes.size() - 7));
  EXPECT_NE(load_error(dir / "cut.bin").find("record 10 of 10 is truncated"), std::string::npos);
  // A header that declares fewer records than the file holds.
  std::string fewer = bytes;
  fewer.replace(0, 2, "9 ");
  write_text(dir / "fewer.bin", fewer);
  EXPECT_NE(load_error(dir / "fewer.bin").find("data after the 9 records"), std::string::npos);
  // A header that declares far more records than the file can hold.
  std::string more = bytes;
  more.replace(0, 2, "99999");
  write_text(dir / "more.bin", more);
  EXPECT_NE(load_error(dir / "more.bin").find("more than the file"), std::string::npos);
}

TEST(EmbeddingLoaders, WinkJsonErrors) {
  TempDir dir;
  write_text(dir / "cut.json", "{\"dimensions\":2,\"words\":[\"a\"],\n\"vectors\":{\"a\":[1,");
  EXPECT_NE(load_error(dir / "cut.json").find("cut.json:2:"), std::string::npos);
  write_text(dir / "short.json", "{\"dimensions\":3,\"words\":[\"a\"],\"vectors\":{\"a\":[1,2]}}");
  EXPECT_NE(load_error(dir / "short.json").find("vector of 'a' has 2 values, expected at least 3"),
            std::string::npos);
  write_text(dir / "missing.json",
             "{\"dimensions\":1,\"words\":[\"a\",\"b\"],\"vectors\":{\"a\":[1],\"c\":[2]}}");
  EXPECT_NE(load_error(dir / "missing.json").find("word 'b' of \"words\" has no entry"),
            std::string::npos);
  write_text(dir / "count.json",
             "{\"dimensions\":1,\"words\":[\"a\"],\"vectors\":{\"a\":[1],\"c\":[2]}}");
  EXPECT_NE(load_error(dir / "count.json").find("\"vectors\" has 2 entries but \"words\" has 1"),
            std::string::npos);
  write_text(dir / "size.json",
             "{\"size\":5,\"dimensions\":1,\"words\":[\"a\"],\"vectors\":{\"a\":[1]}}");
  EXPECT_NE(load_error(dir / "size.json").find("\"size\" is 5 but \"words\" has 1"),
            std::string::npos);
  write_text(dir / "other.json", "{\"name\":\"not embeddings\",\"list\":[1,{\"x\":null}]}");
  EXPECT_NE(load_error(dir / "other.json").find("not a wink embeddings file"), std::string::npos);
  write_text(dir / "order.json", "{\"words\":[\"a\"],\"vectors\":{\"a\":[1]},\"dimensions\":1}");
  EXPECT_NE(load_error(dir / "order.json").find("\"dimensions\" must come before \"vectors\""),
            std::string::npos);
}

// The parsers reserved memory for the word count and dimension a header
// declares, so a corrupt header of a tiny file aborted the process
// (allocations of terabytes, or std::length_error once `count * dims`
// overflowed). Found while writing tests/fuzz/embeddings_fuzz.cpp: each input
// below aborted that target. Such files must fail with a clear error.
TEST(EmbeddingLoaders, CorruptHeaderSizesAreErrorsNotAllocations) {
  TempDir dir;
  write_text(dir / "count.vec", "1000000000000 2\nthe 0.1 0.2\n");
  EXPECT_NE(load_error(dir / "count.vec").find("header declares 1000000000000 words, file has 1"),
            std::string::npos);
  write_text(dir / "size.json",
             "{\"dimensions\":1000000000,\"size\":1000000000,\"words\":[],\"vectors\":{}}");
  EXPECT_NE(load_error(dir / "size.json").find("\"size\" is 1000000000 but \"words\" has 0"),
            std::string::npos);
  // 2^62 dims: `dims * sizeof(float)` wraps to 0 in 64 bits.
  const std::string huge_dims = "1 4611686018427387904\nab";
  auto w2v = parse_word2vec_binary(huge_dims, "huge.bin");
  ASSERT_FALSE(w2v.ok());
  EXPECT_NE(w2v.error().message().find("huge.bin:1: expected a header line"), std::string::npos);
  auto vec = parse_text_vectors("1 18446744073709551615\na 1\n", /*has_header=*/true, "max.vec");
  ASSERT_FALSE(vec.ok());
  EXPECT_NE(vec.error().message().find("(DIMS 1..65536)"), std::string::npos);
}

}  // namespace
}  // namespace privqa
