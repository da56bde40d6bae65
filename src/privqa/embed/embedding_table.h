// Word embeddings: one contiguous float32 row-major matrix plus a word -> row
// hash index, loaded from GloVe text, fastText .vec, word2vec binary, the
// wink-embeddings JSON, or privqa's own binary cache (memory-mapped).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/base/result.h"

namespace privqa {

enum class EmbeddingFormat { kWinkJson, kGloveText, kFastTextVec, kWord2VecBinary, kCache };
const char* embedding_format_name(EmbeddingFormat format);

// What happened to the binary cache while a table was loaded.
enum class CacheUse {
  kNotUsed,      // caching disabled, or the table was built in memory
  kHit,          // a valid, fresh cache was memory-mapped
  kWritten,      // no cache existed; one was written
  kRebuilt,      // the cache was stale or damaged; it was rebuilt from the source
  kWriteFailed,  // the table loaded from the source but the cache could not be written
};
const char* cache_use_name(CacheUse use);

// Where a table came from.
struct EmbeddingOrigin {
  std::filesystem::path source;                      // the file that was asked for
  EmbeddingFormat format = EmbeddingFormat::kCache;  // format of `source`
  CacheUse cache = CacheUse::kNotUsed;
  std::filesystem::path cache_path;  // empty when no cache was involved
  std::string cache_note;            // why a cache was rebuilt or not written
  size_t duplicates_skipped = 0;     // later rows of a word already seen
};

class EmbeddingTable {
 public:
  EmbeddingTable();  // empty: size() == 0, dims() == 0; copies share the immutable matrix

  // A table from words and their rows (words.size() * dims floats, row-major).
  // Fails on a size mismatch, dims == 0, an empty word or a duplicate word.
  static Result<EmbeddingTable> from_rows(std::vector<std::string> words, std::vector<float> values,
                                          size_t dims);

  size_t size() const { return words_.size(); }
  size_t dims() const { return dims_; }

  std::optional<uint32_t> find(std::string_view word) const;    // exact match
  std::optional<uint32_t> lookup(std::string_view word) const;  // exact, else fold_case(word)

  const std::string& word(uint32_t id) const { return words_[id]; }
  const std::vector<std::string>& words() const { return words_; }
  std::span<const float> row(uint32_t id) const {
    return {data_ + static_cast<size_t>(id) * dims_, dims_};
  }
  // The rows `ids`, one after the other: ids.size() * dims() floats.
  std::vector<float> gather(std::span<const uint32_t> ids) const;
  const float* data() const { return data_; }  // size() * dims() floats
  // Rows are in file order: for wink/GloVe files this is frequency rank
  // (0 = most frequent).

  const EmbeddingOrigin& origin() const { return origin_; }

 private:
  friend class EmbeddingTableBuilder;

  // Sizes the empty hash index for `count` words.
  void reserve_index(size_t count);
  // Indexes `word` as row `id` unless it is already indexed; returns the row
  // already holding it, if any.
  std::optional<uint32_t> index_insert(std::string_view word, uint32_t id);

  std::vector<std::string> words_;
  size_t dims_ = 0;
  std::shared_ptr<const void> storage_;  // owns the floats: a vector or a file mapping
  const float* data_ = nullptr;
  std::vector<uint32_t> slots_;  // open addressing: row id + 1, 0 = empty
  EmbeddingOrigin origin_;
};

struct EmbeddingLoadOptions {
  bool use_cache = true;
  std::filesystem::path cache_path;  // empty: FILE + ".pqemb"
};

// Loads a table, auto-detecting the format: wink JSON, GloVe text, fastText
// .vec, word2vec binary, or a privqa cache. For a source file, a fresh cache
// is memory-mapped when present; otherwise the source is parsed and the cache
// (re)written atomically. A stale (source size/mtime changed), truncated or
// corrupt (checksum) cache is never used: it is rebuilt from the source. A
// damaged cache given directly is refused. Errors name the file and, for text
// formats, the line.
Result<EmbeddingTable> load_embeddings(const std::filesystem::path& path,
                                       const EmbeddingLoadOptions& options = {});

// Writes `table` as a self-contained privqa cache at `out` (atomically).
Status save_embedding_cache(const EmbeddingTable& table, const std::filesystem::path& out);

}  // namespace privqa
