#include "privqa/embed/embedding_table.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <limits>

#include "privqa/embed/table_builder.h"
#include "privqa/text/normalize.h"

namespace privqa {
namespace {

uint64_t hash_word(std::string_view word) {
  return XXH3_64bits(word.data(), word.size());
}

}  // namespace

const char* embedding_format_name(EmbeddingFormat format) {
  switch (format) {
    case EmbeddingFormat::kWinkJson:
      return "wink-json";
    case EmbeddingFormat::kGloveText:
      return "glove-text";
    case EmbeddingFormat::kFastTextVec:
      return "fasttext-vec";
    case EmbeddingFormat::kWord2VecBinary:
      return "word2vec-binary";
    case EmbeddingFormat::kCache:
      return "privqa-cache";
  }
  return "unknown";
}

const char* cache_use_name(CacheUse use) {
  switch (use) {
    case CacheUse::kNotUsed:
      return "not used";
    case CacheUse::kHit:
      return "loaded";
    case CacheUse::kWritten:
      return "written";
    case CacheUse::kRebuilt:
      return "rebuilt";
    case CacheUse::kWriteFailed:
      return "write failed";
  }
  return "unknown";
}

EmbeddingTable::EmbeddingTable() = default;

Result<EmbeddingTable> EmbeddingTable::from_rows(std::vector<std::string> words,
                                                 std::vector<float> values, size_t dims) {
  return EmbeddingTableBuilder::from_values(std::move(words), std::move(values), dims,
                                            DuplicateWords::kReject);
}

std::vector<float> EmbeddingTable::gather(std::span<const uint32_t> ids) const {
  std::vector<float> out;
  out.reserve(ids.size() * dims_);
  for (uint32_t id : ids) {
    const auto vector = row(id);
    out.insert(out.end(), vector.begin(), vector.end());
  }
  return out;
}

std::optional<uint32_t> EmbeddingTable::find(std::string_view word) const {
  if (slots_.empty()) return std::nullopt;
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash_word(word) & mask;; i = (i + 1) & mask) {
    const uint32_t slot = slots_[i];
    if (slot == 0) return std::nullopt;
    if (words_[slot - 1] == word) return slot - 1;
  }
}

std::optional<uint32_t> EmbeddingTable::lookup(std::string_view word) const {
  if (const auto id = find(word)) return id;
  const std::string folded = fold_case(word);
  if (folded == word) return std::nullopt;
  return find(folded);
}

// Slots hold row id + 1 so that 0 marks an empty slot; the table is at most
// half full, which keeps linear probing short.
void EmbeddingTable::reserve_index(size_t count) {
  slots_.assign(std::bit_ceil(std::max<size_t>(2 * count, 16)), 0);
}

std::optional<uint32_t> EmbeddingTable::index_insert(std::string_view word, uint32_t id) {
  const size_t mask = slots_.size() - 1;
  size_t i = hash_word(word) & mask;
  for (; slots_[i] != 0; i = (i + 1) & mask) {
    if (words_[slots_[i] - 1] == word) return slots_[i] - 1;
  }
  slots_[i] = id + 1;
  return std::nullopt;
}

Result<EmbeddingTable> EmbeddingTableBuilder::from_values(std::vector<std::string> words,
                                                          std::vector<float> values, size_t dims,
                                                          DuplicateWords duplicates) {
  if (dims == 0) return Error("embedding dimension must be positive");
  if (words.size() >= std::numeric_limits<uint32_t>::max()) {
    return Error("too many words for 32-bit row ids: " + std::to_string(words.size()));
  }
  if (values.size() != words.size() * dims) {
    return Error("expected " + std::to_string(words.size()) + " x " + std::to_string(dims) +
                 " values, got " + std::to_string(values.size()));
  }
  EmbeddingTable table;
  table.dims_ = dims;
  table.words_ = std::move(words);
  table.reserve_index(table.words_.size());
  size_t kept = 0;
  for (size_t row = 0; row < table.words_.size(); ++row) {
    const std::string& word = table.words_[row];
    if (word.empty()) return Error("row " + std::to_string(row) + ": empty word");
    if (table.index_insert(word, static_cast<uint32_t>(kept))) {
      if (duplicates == DuplicateWords::kReject) {
        return Error("row " + std::to_string(row) + ": duplicate word '" + word + "'");
      }
      ++table.origin_.duplicates_skipped;
      continue;
    }
    if (kept != row) {  // compact over dropped duplicates
      table.words_[kept] = std::move(table.words_[row]);
      std::copy_n(values.begin() + static_cast<ptrdiff_t>(row * dims), dims,
                  values.begin() + static_cast<ptrdiff_t>(kept * dims));
    }
    ++kept;
  }
  table.words_.resize(kept);
  values.resize(kept * dims);
  auto owned = std::make_shared<std::vector<float>>(std::move(values));
  table.data_ = owned->data();
  table.storage_ = std::move(owned);
  return table;
}

Result<EmbeddingTable> EmbeddingTableBuilder::from_storage(std::vector<std::string> words,
                                                           size_t dims,
                                                           std::shared_ptr<const void> storage,
                                                           const float* data) {
  if (dims == 0) return Error("embedding dimension must be positive");
  EmbeddingTable table;
  table.dims_ = dims;
  table.words_ = std::move(words);
  table.reserve_index(table.words_.size());
  for (size_t row = 0; row < table.words_.size(); ++row) {
    const std::string& word = table.words_[row];
    if (word.empty()) return Error("row " + std::to_string(row) + ": empty word");
    if (table.index_insert(word, static_cast<uint32_t>(row))) {
      return Error("row " + std::to_string(row) + ": duplicate word '" + word + "'");
    }
  }
  table.storage_ = std::move(storage);
  table.data_ = data;
  return table;
}

}  // namespace privqa
