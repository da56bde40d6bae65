// Sentence embeddings: the interface shared by the offline SIF encoder and a
// remote /v1/embeddings encoder.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <span>
#include <string>
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

// Vectors computed elsewhere (e.g. by a provider's /v1/embeddings endpoint,
// one request for a batch of texts), looked up by their exact text; a text
// without a vector is an error naming it.
class PrecomputedEncoder : public SentenceEncoder {
 public:
  // Each vector must have `dims` values; a text given twice keeps its last vector.
  PrecomputedEncoder(size_t dims, const std::vector<std::string>& texts,
                     std::vector<std::vector<float>> vectors);

  size_t dims() const override { return dims_; }
  Result<std::vector<float>> encode(std::string_view text) const override;

 private:
  size_t dims_;
  std::map<std::string, std::vector<float>, std::less<>> vectors_;
};

// Cosine similarity in [-1, 1]; 0 when either vector is zero. Sizes must match.
float cosine_similarity(std::span<const float> a, std::span<const float> b);

}  // namespace privqa
