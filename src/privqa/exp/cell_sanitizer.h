// The mechanisms of a run and what they make of one cell's question: the
// text the remote model may see in S3. Built once per run from the whole
// dataset; sanitize() is then called from the worker pool, several cells at
// a time.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/data/question.h"
#include "privqa/exp/phrasedp_candidates.h"
#include "privqa/exp/run_config.h"
#include "privqa/store/cell.h"

namespace privqa {

// Checks each configured mechanism's kind and parameters, that a PhraseDP
// encoder names a provider other than the remote model (the encoder sees the
// original question), and that no PhraseDP mechanism is asked to sanitize
// passages for S3 (it paraphrases questions only), before anything is built
// or sent; errors name the config file and the mechanism's line.
Status check_mechanisms(const RunConfig& config);

// A cell's sanitized question, or why there is none.
struct SanitizedCell {
  bool ok = false;
  std::string text;
  // The passage as sanitized by the same mechanism, when the run shows
  // passages to the remote model in S3; empty otherwise.
  std::string context;
  std::string error;
  nlohmann::json details;  // the mechanism's statistics, stored with the cell
};

class CellSanitizer {
 public:
  // Loads the embeddings at `embeddings` and builds each mechanism of
  // `config` (which must outlive the result) on the corpus, the texts of the
  // whole dataset (with the passages, when S3 shows them sanitized);
  // PhraseDP with the SIF encoder gets one fitted on the questions.
  static Result<std::unique_ptr<CellSanitizer>> build(const RunConfig& config,
                                                      const std::filesystem::path& embeddings,
                                                      const std::vector<Question>& corpus);
  virtual ~CellSanitizer() = default;

  // Sanitizes q.text, and then q.context when S3 shows passages, for the
  // cell `key` with the cell's own random stream (an A1 or A2 cell: that of
  // the S3 cell of the same question, mechanism, eps and repeat).
  // PhraseDP selects among phrase.candidates, the local model's paraphrases,
  // scored by its encoder: SIF, or the vectors in phrase.encoders.
  virtual SanitizedCell sanitize(const Question& q, const CellKey& key,
                                 const CandidateSet& phrase) const = 0;
};

}  // namespace privqa
