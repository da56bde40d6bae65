#include "privqa/embed/sentence_encoder.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>

namespace privqa {

PrecomputedEncoder::PrecomputedEncoder(size_t dims, const std::vector<std::string>& texts,
                                       std::vector<std::vector<float>> vectors)
    : dims_(dims) {
  assert(texts.size() == vectors.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    assert(vectors[i].size() == dims);
    vectors_[texts[i]] = std::move(vectors[i]);
  }
}

Result<std::vector<float>> PrecomputedEncoder::encode(std::string_view text) const {
  const auto it = vectors_.find(text);
  if (it == vectors_.end()) {
    return Error(fmt::format("no sentence vector was computed for \"{}\"", text));
  }
  return it->second;
}

float cosine_similarity(std::span<const float> a, std::span<const float> b) {
  assert(a.size() == b.size());
  double dot = 0;
  double aa = 0;
  double bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  if (aa == 0 || bb == 0) return 0.0f;
  return static_cast<float>(dot / std::sqrt(aa * bb));
}

}  // namespace privqa
