// Fuzzes the embedding loaders: format detection, the wink JSON, GloVe text,
// fastText .vec and word2vec binary parsers, and the binary cache.
//
// Source formats are parsed from memory exactly as load_embeddings does after
// detection. A cache input gets its checksum recomputed before it is loaded
// from a file, so that mutations reach the checks behind the checksum.
#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "privqa/embed/embedding_cache.h"
#include "privqa/embed/embedding_formats.h"
#include "privqa/embed/embedding_table.h"
#include "privqa/embed/table_builder.h"
#include "scratch_file.h"

namespace {

// The cache header is 64 bytes; its checksum is the last 8, over the header
// before it and everything after the header.
constexpr size_t kHeaderSize = 64;
constexpr size_t kChecksumOffset = 56;

void load_cache(const uint8_t* data, size_t size) {
  static const privqa::fuzz::ScratchFile file("table.pqemb");
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (bytes.size() >= kHeaderSize) {
    XXH3_state_t* state = XXH3_createState();
    XXH3_64bits_reset(state);
    XXH3_64bits_update(state, bytes.data(), kChecksumOffset);
    XXH3_64bits_update(state, bytes.data() + kHeaderSize, bytes.size() - kHeaderSize);
    const uint64_t checksum = XXH3_64bits_digest(state);
    XXH3_freeState(state);
    std::memcpy(bytes.data() + kChecksumOffset, &checksum, sizeof(checksum));
  }
  file.write(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  auto table = privqa::load_embeddings(file.path(), {.use_cache = false});
  if (!table) return;
  for (uint32_t id = 0; id < table->size(); ++id) {
    if (table->find(table->word(id)) != id) __builtin_trap();
    (void)table->row(id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto format = privqa::detect_embedding_format(bytes);
  if (!format) return 0;
  privqa::Result<privqa::ParsedEmbeddings> parsed = privqa::Error("not parsed");
  switch (*format) {
    case privqa::EmbeddingFormat::kCache:
      load_cache(data, size);
      return 0;
    case privqa::EmbeddingFormat::kWinkJson:
      parsed = privqa::parse_wink_json(bytes, "fuzz");
      break;
    case privqa::EmbeddingFormat::kGloveText:
      parsed = privqa::parse_text_vectors(bytes, /*has_header=*/false, "fuzz");
      break;
    case privqa::EmbeddingFormat::kFastTextVec:
      parsed = privqa::parse_text_vectors(bytes, /*has_header=*/true, "fuzz");
      break;
    case privqa::EmbeddingFormat::kWord2VecBinary:
      parsed = privqa::parse_word2vec_binary(bytes, "fuzz");
      break;
  }
  if (!parsed) return 0;
  // Every parser promises words.size() * dims values.
  if (parsed->values.size() != parsed->words.size() * parsed->dims) __builtin_trap();
  auto table = privqa::EmbeddingTableBuilder::from_values(std::move(parsed->words),
                                                          std::move(parsed->values), parsed->dims,
                                                          privqa::DuplicateWords::kKeepFirst);
  if (!table) return 0;
  for (uint32_t id = 0; id < table->size(); ++id)
    (void)table->lookup(table->word(id));
  return 0;
}
