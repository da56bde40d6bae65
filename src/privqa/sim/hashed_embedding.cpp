#include "privqa/sim/hashed_embedding.h"

#include <xxhash.h>

#include <cmath>

#include "privqa/text/normalize.h"
#include "privqa/text/tokenizer.h"

namespace privqa::sim {

std::vector<float> hashed_embedding(std::string_view text, size_t dims) {
  std::vector<float> vector(dims, 0.0f);
  for (const Token& token : tokenize(text)) {
    if (token.kind != TokenKind::kWord && token.kind != TokenKind::kNumber) continue;
    const std::string folded = fold_case(token.text);
    const uint64_t hash = XXH3_64bits(folded.data(), folded.size());
    // The top bit picks the sign, so colliding words cancel rather than pile up.
    vector[hash % dims] += (hash >> 63) ? -1.0f : 1.0f;
  }
  double norm = 0;
  for (float x : vector)
    norm += static_cast<double>(x) * x;
  if (norm > 0) {
    const float scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (float& x : vector)
      x *= scale;
  }
  return vector;
}

}  // namespace privqa::sim
