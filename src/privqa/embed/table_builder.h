// Assembling EmbeddingTable objects (internal to the embed module: loaders
// and the cache build tables through this class).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/embed/embedding_table.h"

namespace privqa {

enum class DuplicateWords { kReject, kKeepFirst };

class EmbeddingTableBuilder {
 public:
  // A table owning `values` (words.size() * dims floats). With kKeepFirst, a
  // later row of a word already seen is dropped and counted in
  // origin().duplicates_skipped; with kReject it is an error.
  static Result<EmbeddingTable> from_values(std::vector<std::string> words,
                                            std::vector<float> values, size_t dims,
                                            DuplicateWords duplicates);

  // A table whose rows live in `storage` (e.g. a file mapping) at `data`.
  // The words must be distinct and non-empty.
  static Result<EmbeddingTable> from_storage(std::vector<std::string> words, size_t dims,
                                             std::shared_ptr<const void> storage,
                                             const float* data);

  static EmbeddingOrigin& origin(EmbeddingTable& table) { return table.origin_; }
};

}  // namespace privqa
