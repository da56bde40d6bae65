// Sentence embeddings: the interface shared by the offline SIF encoder and a
// remote /v1/embeddings encoder.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "privqa/base/result.h"

namespace privqa {

class SentenceEncoder {
 public:
  virtual ~SentenceEncoder() = default;
  virtual size_t dims() const = 0;
  virtual Result<std::vector<float>> encode(std::string_view text) const = 0;
};

// Cosine similarity in [-1, 1]; 0 when either vector is zero. Sizes must match.
float cosine_similarity(std::span<const float> a, std::span<const float> b);

}  // namespace privqa
