#include "privqa/embed/sentence_encoder.h"

#include <cassert>
#include <cmath>

namespace privqa {

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
