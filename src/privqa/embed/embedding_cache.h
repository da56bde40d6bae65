// privqa's binary embedding cache (internal to the embed module).
//
// Layout, little-endian: a 64-byte header (magic, version, dims, count, the
// source file's size and mtime, the source format, the byte size of the word
// blob, an XXH3-64 checksum of everything else), then count x dims float32
// rows (64-byte aligned, memory-mapped as the table's matrix), then count
// uint32 word lengths, then the words' bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "privqa/base/result.h"
#include "privqa/embed/embedding_table.h"

namespace privqa {

inline constexpr std::string_view kCacheMagic{"PQEMBTBL", 8};
inline constexpr uint32_t kCacheVersion = 1;

// The identity of the file a cache was built from; all zero for a
// self-contained cache.
struct SourceStamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  EmbeddingFormat format = EmbeddingFormat::kCache;
};

Result<SourceStamp> stamp_source(const std::filesystem::path& source, EmbeddingFormat format);

// Writes the cache atomically (temporary file, then rename).
Status write_cache(const EmbeddingTable& table, const SourceStamp& source,
                   const std::filesystem::path& out);

// Maps and validates a cache: magic, version, size (truncation), checksum
// (corruption) and, when `expected` is given, the source stamp (staleness).
// The returned table's rows live in the mapping.
Result<EmbeddingTable> read_cache(const std::filesystem::path& path,
                                  const SourceStamp* expected = nullptr);

}  // namespace privqa
