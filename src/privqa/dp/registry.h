// The catalogue of mechanisms by name, with their declared parameters, and a
// factory that checks parameters and builds the corpus-dependent state once.
// The returned mechanism serves every eps and every thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/dp/mechanism.h"
#include "privqa/dp/params.h"
#include "privqa/embed/embedding_table.h"

namespace privqa {

struct MechanismInfo {
  std::string name;  // e.g. "santext", "custext+", "tem", "cmp", "inferdpt", "phrasedp", "dpprompt"
  std::string summary;
  std::vector<ParamSpec> params;
  bool needs_corpus = false;  // builds its vocabulary from the task corpus
  bool word_level = true;     // false: phrasedp, dpprompt (the local model paraphrases)
};

const std::vector<MechanismInfo>& mechanism_catalog();
// The catalogue entry, or an error listing the known names.
Result<const MechanismInfo*> find_mechanism(const std::string& name);

// Builds a word-level mechanism. `table` must outlive it; `corpus` is read
// during the call only (ignored by mechanisms that do not need one).
// `cache_bytes` bounds the memory of its per-word caches (0: the
// mechanism's default, sized for batch sanitization); smaller only means
// more recomputation, never other outputs.
Result<std::shared_ptr<const Mechanism>> create_mechanism(
    const std::string& name, const std::map<std::string, std::string>& params,
    const EmbeddingTable& table, const std::vector<std::string>& corpus, size_t cache_bytes = 0);

}  // namespace privqa
