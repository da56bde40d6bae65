// load_embeddings and save_embedding_cache: format detection and the cache
// policy around the parsers of embedding_formats.h.
#include <fstream>

#include "privqa/embed/embedding_cache.h"
#include "privqa/embed/embedding_formats.h"
#include "privqa/embed/embedding_table.h"
#include "privqa/embed/mapped_file.h"
#include "privqa/embed/table_builder.h"

namespace privqa {
namespace {

// Enough bytes to see a header line and one text row of any common table.
constexpr size_t kDetectBytes = 1 << 20;

Result<EmbeddingFormat> detect_file_format(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(path.string() + ": cannot open");
  std::string head(kDetectBytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  auto format = detect_embedding_format(head);
  if (!format) return format.error().wrap(path.string());
  return format;
}

Result<EmbeddingTable> parse_source(const std::filesystem::path& path, EmbeddingFormat format) {
  auto mapped = MappedFile::open(path);
  if (!mapped) return mapped.error();
  const std::string_view bytes = (*mapped)->bytes();
  const std::string name = path.string();
  Result<ParsedEmbeddings> parsed = Error("unsupported format");
  switch (format) {
    case EmbeddingFormat::kWinkJson:
      parsed = parse_wink_json(bytes, name);
      break;
    case EmbeddingFormat::kGloveText:
      parsed = parse_text_vectors(bytes, /*has_header=*/false, name);
      break;
    case EmbeddingFormat::kFastTextVec:
      parsed = parse_text_vectors(bytes, /*has_header=*/true, name);
      break;
    case EmbeddingFormat::kWord2VecBinary:
      parsed = parse_word2vec_binary(bytes, name);
      break;
    case EmbeddingFormat::kCache:
      break;
  }
  if (!parsed) return parsed.error();
  auto table =
      EmbeddingTableBuilder::from_values(std::move(parsed->words), std::move(parsed->values),
                                         parsed->dims, DuplicateWords::kKeepFirst);
  if (!table) return table.error().wrap(name);
  return table;
}

}  // namespace

Result<EmbeddingTable> load_embeddings(const std::filesystem::path& path,
                                       const EmbeddingLoadOptions& options) {
  const std::filesystem::path cache_path = options.cache_path.empty()
                                               ? std::filesystem::path(path.string() + ".pqemb")
                                               : options.cache_path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::string message = path.string() + ": no such file";
    if (options.use_cache && std::filesystem::exists(cache_path, ec)) {
      message += " (a cache exists at " + cache_path.string() +
                 "; without its source its freshness cannot be checked: load it directly)";
    }
    return Error(message);
  }
  auto format = detect_file_format(path);
  if (!format) return format.error();

  if (*format == EmbeddingFormat::kCache) {
    auto table = read_cache(path);
    if (!table) return table.error();
    EmbeddingOrigin& origin = EmbeddingTableBuilder::origin(*table);
    origin.source = path;
    origin.format = EmbeddingFormat::kCache;
    origin.cache = CacheUse::kHit;
    origin.cache_path = path;
    return table;
  }

  auto stamp = stamp_source(path, *format);
  if (!stamp) return stamp.error();
  std::string note;
  if (options.use_cache && std::filesystem::exists(cache_path, ec)) {
    auto cached = read_cache(cache_path, &*stamp);
    if (cached) {
      EmbeddingOrigin& origin = EmbeddingTableBuilder::origin(*cached);
      origin.source = path;
      origin.format = *format;
      origin.cache = CacheUse::kHit;
      origin.cache_path = cache_path;
      return cached;
    }
    note = cached.error().message();
  }

  auto table = parse_source(path, *format);
  if (!table) return table.error();
  EmbeddingOrigin& origin = EmbeddingTableBuilder::origin(*table);
  origin.source = path;
  origin.format = *format;
  if (options.use_cache) {
    origin.cache_path = cache_path;
    origin.cache = note.empty() ? CacheUse::kWritten : CacheUse::kRebuilt;
    if (Status st = write_cache(*table, *stamp, cache_path); !st) {
      origin.cache = CacheUse::kWriteFailed;
      note += (note.empty() ? "" : "; ") + st.error().message();
    }
    origin.cache_note = note;
  }
  return table;
}

Status save_embedding_cache(const EmbeddingTable& table, const std::filesystem::path& out) {
  return write_cache(table, SourceStamp{}, out);
}

}  // namespace privqa
