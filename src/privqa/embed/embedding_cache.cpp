#include "privqa/embed/embedding_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <future>
#include <limits>
#include <memory>
#include <vector>

#include "privqa/base/files.h"
#include "privqa/embed/mapped_file.h"
#include "privqa/embed/table_builder.h"

namespace privqa {
namespace {

struct CacheHeader {
  char magic[8];
  uint32_t version;
  uint32_t dims;
  uint64_t count;
  uint64_t source_size;
  int64_t source_mtime_ns;
  uint64_t words_bytes;
  uint32_t source_format;
  uint32_t reserved;
  uint64_t checksum;  // XXH3-64 of the header up to this field, then the payload
};
static_assert(sizeof(CacheHeader) == 64);
static_assert(std::endian::native == std::endian::little, "the cache format is little-endian");

constexpr size_t kChecksumOffset = offsetof(CacheHeader, checksum);

uint64_t checksum_of(std::string_view file) {
  const std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                       &XXH3_freeState);
  XXH3_64bits_reset(state.get());
  XXH3_64bits_update(state.get(), file.data(), kChecksumOffset);
  XXH3_64bits_update(state.get(), file.data() + sizeof(CacheHeader),
                     file.size() - sizeof(CacheHeader));
  return XXH3_64bits_digest(state.get());
}

// The checksum of a cache file read in chunks with read(2) rather than
// through its mapping: faulting in every page of a 140 MB table costs more
// than copying it from the page cache, and leaves it all resident.
Result<uint64_t> checksum_of_file(const std::filesystem::path& path, const CacheHeader& header) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(path.string() + ": cannot open: " + std::strerror(errno));
  const std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                       &XXH3_freeState);
  XXH3_64bits_reset(state.get());
  XXH3_64bits_update(state.get(), &header, kChecksumOffset);
  std::vector<char> chunk(size_t{4} << 20);
  off_t at = sizeof(CacheHeader);
  for (;;) {
    const ssize_t got = ::pread(fd, chunk.data(), chunk.size(), at);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      return Error(path.string() + ": cannot read: " + reason);
    }
    if (got == 0) break;
    XXH3_64bits_update(state.get(), chunk.data(), static_cast<size_t>(got));
    at += got;
  }
  ::close(fd);
  return XXH3_64bits_digest(state.get());
}

// Size of a cache with this header, or 0 when the numbers overflow.
uint64_t expected_size(const CacheHeader& h) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max() / 8;
  if (h.dims == 0 || h.count > kMax / h.dims / sizeof(float) || h.words_bytes > kMax) return 0;
  return sizeof(CacheHeader) + h.count * h.dims * sizeof(float) + h.count * sizeof(uint32_t) +
         h.words_bytes;
}

// The table of a validated cache file: its words (checked against the
// header's sizes), their index, and its rows in the mapping.
Result<EmbeddingTable> table_of(const std::string& name, const CacheHeader& h,
                                const std::shared_ptr<const MappedFile>& mapped) {
  const std::string_view file = mapped->bytes();
  const size_t matrix_bytes = h.count * h.dims * sizeof(float);
  const char* lengths = file.data() + sizeof(h) + matrix_bytes;
  const char* blob = lengths + h.count * sizeof(uint32_t);
  std::vector<std::string> words(h.count);
  uint64_t used = 0;
  for (size_t i = 0; i < h.count; ++i) {
    uint32_t length = 0;
    std::memcpy(&length, lengths + i * sizeof(length), sizeof(length));
    if (length > h.words_bytes - used) {
      return Error(name + ": corrupt cache (word lengths exceed the word data)");
    }
    words[i].assign(blob + used, length);
    used += length;
  }
  if (used != h.words_bytes) return Error(name + ": corrupt cache (word data size mismatch)");
  // The word list's pages are copied: a run keeps only the rows of its words.
  mapped->release_resident(sizeof(h) + matrix_bytes, file.size());
  const float* data = reinterpret_cast<const float*>(file.data() + sizeof(h));
  auto table = EmbeddingTableBuilder::from_storage(std::move(words), h.dims, mapped, data);
  if (!table) return table.error().wrap(name + ": corrupt cache");
  return table;
}

}  // namespace

Result<SourceStamp> stamp_source(const std::filesystem::path& source, EmbeddingFormat format) {
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) {
    return Error(source.string() + ": cannot stat: " + std::strerror(errno));
  }
  return SourceStamp{static_cast<uint64_t>(st.st_size),
                     static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                     format};
}

Status write_cache(const EmbeddingTable& table, const SourceStamp& source,
                   const std::filesystem::path& out) {
  CacheHeader header{};
  std::memcpy(header.magic, kCacheMagic.data(), sizeof(header.magic));
  header.version = kCacheVersion;
  header.dims = static_cast<uint32_t>(table.dims());
  header.count = table.size();
  header.source_size = source.size;
  header.source_mtime_ns = source.mtime_ns;
  header.source_format = static_cast<uint32_t>(source.format);
  for (const std::string& word : table.words())
    header.words_bytes += word.size();

  std::string file;
  file.reserve(expected_size(header));
  file.append(reinterpret_cast<const char*>(&header), sizeof(header));
  file.append(reinterpret_cast<const char*>(table.data()), table.size() * table.dims() * 4);
  for (const std::string& word : table.words()) {
    const auto length = static_cast<uint32_t>(word.size());
    file.append(reinterpret_cast<const char*>(&length), sizeof(length));
  }
  for (const std::string& word : table.words())
    file += word;
  header.checksum = checksum_of(file);
  std::memcpy(file.data() + kChecksumOffset, &header.checksum, sizeof(header.checksum));
  return write_file_atomic(out, file);
}

Result<EmbeddingTable> read_cache(const std::filesystem::path& path, const SourceStamp* expected) {
  auto mapped = MappedFile::open(path);
  if (!mapped) return mapped.error();
  const std::string_view file = (*mapped)->bytes();
  const std::string name = path.string();
  CacheHeader h{};
  if (file.size() < sizeof(h) || file.substr(0, kCacheMagic.size()) != kCacheMagic) {
    return Error(name + ": not a privqa embedding cache (bad magic or shorter than its header)");
  }
  std::memcpy(&h, file.data(), sizeof(h));
  if (h.version != kCacheVersion) {
    return Error(name + ": cache version " + std::to_string(h.version) + ", expected " +
                 std::to_string(kCacheVersion));
  }
  if (expected && (h.source_size != expected->size || h.source_mtime_ns != expected->mtime_ns ||
                   h.source_format != static_cast<uint32_t>(expected->format))) {
    return Error(name + ": cache is stale (its source file changed since it was written)");
  }
  const uint64_t size = expected_size(h);
  if (size == 0 || h.count >= std::numeric_limits<uint32_t>::max()) {
    return Error(name + ": corrupt cache header (dims " + std::to_string(h.dims) + ", count " +
                 std::to_string(h.count) + ")");
  }
  if (file.size() < size) {
    return Error(name + ": cache is truncated (" + std::to_string(file.size()) +
                 " bytes, header "
                 "says " +
                 std::to_string(size) + ")");
  }
  if (file.size() > size) {
    return Error(name + ": cache has " + std::to_string(file.size() - size) +
                 " unexpected trailing bytes");
  }
  // The checksum is computed while the words and their index are built; the
  // table is returned only once it matches.
  auto checksum = std::async(std::launch::async, [&] { return checksum_of_file(path, h); });
  auto table = table_of(name, h, *mapped);
  const auto sum = checksum.get();
  if (!sum.ok()) return sum.error();
  if (*sum != h.checksum) return Error(name + ": cache is corrupt (checksum mismatch)");
  return table;
}

}  // namespace privqa
