// The offline attacks of docs/privacy.md on a set of sanitized texts: for
// each mechanism and eps, the mechanism-aware inversion (attack/inversion.h)
// and the plausible deniability statistics (attack/deniability.h). The
// mechanisms are rebuilt as they sanitized (same kind, parameters, corpus and
// embeddings); nothing is sent anywhere.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "privqa/attack/deniability.h"
#include "privqa/attack/inversion.h"
#include "privqa/base/result.h"
#include "privqa/embed/embedding_table.h"

namespace privqa::attack {

// The texts one mechanism produced at one eps.
struct AttackGroup {
  std::string mechanism;  // its label in the run
  std::string kind;       // its registry name (dp/registry.h)
  std::map<std::string, std::string> params;
  double eps = 0;
  std::vector<AttackText> texts;  // corpus_index: the question's position in the corpus
};

struct AttackOptions {
  uint64_t draws = 1000;  // K of S_w
  // Rare words: in at most max(1, N / 1000) of the N corpus texts, as the
  // report's "rare words kept" (report/privacy_metrics.h).
  // Sensitive words: SanText+'s S at this w (its default), over the corpus.
  double sensitive_ratio = 0.9;
  unsigned threads = 1;  // groups attacked at once
};

struct GroupResult {
  std::string mechanism, kind;
  double eps = 0;
  size_t texts = 0;
  bool exact_channel = false;  // false: nothing below is computed
  InversionResult inversion;
  size_t words = 0;  // distinct original words the deniability statistics cover
  Deniability deniability;
};

// `corpus`: every question text of the dataset, the mechanisms' corpus and
// the adversary's prior (leave-one-out). Fails when a mechanism cannot be
// built (unknown kind, bad parameters).
Result<std::vector<GroupResult>> run_attacks(const EmbeddingTable& table,
                                             const std::vector<std::string>& corpus,
                                             const std::vector<AttackGroup>& groups,
                                             const AttackOptions& options);

}  // namespace privqa::attack
