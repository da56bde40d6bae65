// The binary cache: written on first load, reused, and never used when
// stale, truncated or corrupt.
#include <gtest/gtest.h>

#include <fstream>

#include "embed/hand_made_table.h"
#include "privqa/embed/embedding_table.h"
#include "testing.h"

namespace privqa {
namespace {

using testing::HandMadeFormat;
using testing::TempDir;
using testing::write_hand_made;
using testing::write_text;

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  write_text(path, bytes);
}

// Loads `source` with its default cache and checks what happened to it.
EmbeddingTable load_expecting(const std::filesystem::path& source, CacheUse expected,
                              const std::string& note_part = "") {
  auto table = load_embeddings(source);
  EXPECT_TRUE(table.ok()) << (table.ok() ? "" : table.error().message());
  if (!table.ok()) return EmbeddingTable();
  EXPECT_EQ(table->origin().cache, expected)
      << cache_use_name(table->origin().cache) << ": " << table->origin().cache_note;
  EXPECT_NE(table->origin().cache_note.find(note_part), std::string::npos)
      << table->origin().cache_note;
  EXPECT_EQ(table->origin().cache_path, source.string() + ".pqemb");
  return std::move(*table);
}

TEST(EmbeddingCache, WrittenOnFirstLoadThenReused) {
  TempDir dir;
  const auto source = write_hand_made(dir / "t.txt", HandMadeFormat::kGlove);
  const EmbeddingTable first = load_expecting(source, CacheUse::kWritten);
  EXPECT_TRUE(std::filesystem::exists(dir / "t.txt.pqemb"));
  const EmbeddingTable second = load_expecting(source, CacheUse::kHit);
  EXPECT_EQ(second.origin().format, EmbeddingFormat::kGloveText);
  ASSERT_EQ(second.size(), first.size());
  for (uint32_t id = 0; id < first.size(); ++id) {
    EXPECT_EQ(second.word(id), first.word(id));
    EXPECT_TRUE(std::equal(first.row(id).begin(), first.row(id).end(), second.row(id).begin()));
  }
  // No temporary files are left beside the cache.
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++files;
  }
  EXPECT_EQ(files, 2u);
}

TEST(EmbeddingCache, StaleCacheIsRebuiltFromTheChangedSource) {
  TempDir dir;
  const auto source = dir / "t.txt";
  write_text(source, "a 1 2\nb 3 4\n");
  load_expecting(source, CacheUse::kWritten);
  // Same size, new content and a later mtime.
  write_text(source, "a 5 6\nb 7 8\n");
  std::filesystem::last_write_time(
      source, std::filesystem::last_write_time(source) + std::chrono::seconds(2));
  const EmbeddingTable table = load_expecting(source, CacheUse::kRebuilt, "stale");
  EXPECT_EQ(table.row(0)[0], 5.0f);
  load_expecting(source, CacheUse::kHit);
}

TEST(EmbeddingCache, TruncatedCorruptOrForeignCachesAreRebuilt) {
  TempDir dir;
  const auto source = write_hand_made(dir / "t.json", HandMadeFormat::kWink);
  const auto cache = dir / "t.json.pqemb";
  load_expecting(source, CacheUse::kWritten);
  const std::string good = read_bytes(cache);

  write_bytes(cache, good.substr(0, good.size() - 5));
  load_expecting(source, CacheUse::kRebuilt, "truncated");
  EXPECT_EQ(read_bytes(cache), good);

  std::string flipped = good;
  flipped[64 + 4] ^= 0x40;  // one bit of the first row
  write_bytes(cache, flipped);
  load_expecting(source, CacheUse::kRebuilt, "checksum");
  EXPECT_EQ(read_bytes(cache), good);

  write_bytes(cache, good + "extra");
  load_expecting(source, CacheUse::kRebuilt, "trailing");

  write_bytes(cache, "not a cache at all, just text");
  load_expecting(source, CacheUse::kRebuilt, "not a privqa embedding cache");

  std::string other_version = good;
  other_version[8] = 9;  // version field
  write_bytes(cache, other_version);
  load_expecting(source, CacheUse::kRebuilt, "cache version 9, expected 1");
  load_expecting(source, CacheUse::kHit);
}

TEST(EmbeddingCache, DamagedCacheGivenDirectlyIsRefused) {
  TempDir dir;
  auto table = load_embeddings(write_hand_made(dir / "t.vec", HandMadeFormat::kFastText));
  ASSERT_TRUE(table.ok());
  const auto cache = dir / "t.vec.pqemb";
  const std::string good = read_bytes(cache);
  auto direct = load_embeddings(cache);
  ASSERT_TRUE(direct.ok()) << direct.error().message();
  EXPECT_EQ(direct->origin().cache, CacheUse::kHit);

  write_bytes(dir / "cut.pqemb", good.substr(0, good.size() / 2));
  auto cut = load_embeddings(dir / "cut.pqemb");
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.error().message().find("cut.pqemb: cache is truncated"), std::string::npos)
      << cut.error().message();

  std::string flipped = good;
  flipped.back() ^= 0x01;  // last byte of the last word
  write_bytes(dir / "flip.pqemb", flipped);
  auto corrupt = load_embeddings(dir / "flip.pqemb");
  ASSERT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.error().message().find("flip.pqemb: cache is corrupt (checksum mismatch)"),
            std::string::npos)
      << corrupt.error().message();

  std::string header_only = good.substr(0, 64);
  write_bytes(dir / "header.pqemb", header_only);
  EXPECT_FALSE(load_embeddings(dir / "header.pqemb").ok());
  write_bytes(dir / "tiny.pqemb", good.substr(0, 20));  // cut inside the header
  auto tiny = load_embeddings(dir / "tiny.pqemb");
  ASSERT_FALSE(tiny.ok());
  EXPECT_NE(tiny.error().message().find("shorter than its header"), std::string::npos);
}

TEST(EmbeddingCache, MissingSourceWithCacheIsRefusedWithAHint) {
  TempDir dir;
  const auto source = write_hand_made(dir / "t.txt", HandMadeFormat::kGlove);
  ASSERT_TRUE(load_embeddings(source).ok());
  std::filesystem::remove(source);
  auto table = load_embeddings(source);
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.error().message().find("a cache exists at"), std::string::npos)
      << table.error().message();
}

TEST(EmbeddingCache, UnwritableCacheStillLoadsTheTable) {
  TempDir dir;
  EmbeddingLoadOptions options;
  options.cache_path = dir / "no-such-dir" / "t.pqemb";
  auto table = load_embeddings(write_hand_made(dir / "t.txt", HandMadeFormat::kGlove), options);
  ASSERT_TRUE(table.ok()) << table.error().message();
  EXPECT_EQ(table->origin().cache, CacheUse::kWriteFailed);
  EXPECT_NE(table->origin().cache_note.find("no-such-dir"), std::string::npos);
  EXPECT_EQ(table->size(), testing::hand_made_rows().size());
}

TEST(EmbeddingCache, ExplicitCachePathAndNoCache) {
  TempDir dir;
  const auto source = write_hand_made(dir / "t.bin", HandMadeFormat::kWord2Vec);
  EmbeddingLoadOptions options;
  options.cache_path = dir / "elsewhere.pqemb";
  auto table = load_embeddings(source, options);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->origin().cache, CacheUse::kWritten);
  EXPECT_TRUE(std::filesystem::exists(dir / "elsewhere.pqemb"));
  EXPECT_FALSE(std::filesystem::exists(dir / "t.bin.pqemb"));
  options.use_cache = false;
  options.cache_path.clear();
  ASSERT_TRUE(load_embeddings(source, options).ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "t.bin.pqemb"));
}

}  // namespace
}  // namespace privqa
