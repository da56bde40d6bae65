// Deterministic text vectors for the simulated /v1/embeddings endpoint: a
// signed, hashed bag of folded words ("feature hashing", Weinberger et al.,
// 2009), L2-normalised. Texts sharing words get positive cosine similarity;
// the vectors carry no learned meaning.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace privqa::sim {

// `dims` > 0. A text without words maps to the zero vector.
std::vector<float> hashed_embedding(std::string_view text, size_t dims);

}  // namespace privqa::sim
