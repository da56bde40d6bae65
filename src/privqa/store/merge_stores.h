// Joining the stores of one run's shards (shard.h) into one store, as if a
// single process had run them: `privqa merge OUT IN...`.
#pragma once

#include <string>
#include <vector>

#include "privqa/base/result.h"

namespace privqa {

struct MergeSummary {
  size_t cells = 0;       // cells in the merged store
  size_t duplicates = 0;  // cells found in more than one input
  // Shards of the split ("I/N") no input holds: the merged store lacks their
  // cells, and `privqa run` without --shard on it runs them.
  std::vector<std::string> missing_shards;
};

// Writes `out`, a new SQLite store, from the stores at `inputs` (paths or
// URLs, open_store.h): every cell, every session (inputs in order) and the
// meta facts; the run record of the first input, its planned cells summed
// over the inputs' shards. The merged store holds the whole run (no shard).
//
// Refused, naming the input: a store with no run, a config (fingerprint) or
// question file (dataset hash) other than the first input's, shards of
// different splits, a meta fact with another value than before, and a cell
// stored ok in two inputs with different outcomes (sanitized text, CoT,
// reply, parsed answer). A cell stored as ok and as an error keeps the ok
// one. `out` must not exist yet; it appears only when the merge succeeds
// (written under a temporary name and renamed).
Result<MergeSummary> merge_stores(const std::string& out, const std::vector<std::string>& inputs);

}  // namespace privqa
