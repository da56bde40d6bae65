// Scoring of the reconstruction attacks (scenarios A1, A2; docs/privacy.md):
// how much of the original question the remote model recovered from the
// sanitized text it was sent, measured against the whole dataset.
//  - re-identification: the original's rank among the dataset's questions
//    with the reconstruction as query, by BM25 and by the cosine of SIF
//    sentence embeddings (ranked as PrivacyMeter::bm25_rank ranks; questions
//    without a known word have no embedding and are not ranked); top-1 and
//    top-5 rates;
//  - rare-word recall: the original's rare content words (privacy_metrics.h)
//    that occur in the reconstruction;
//  - ROUGE-L F-measure of the reconstruction against the original;
//  - A2: the attacker's answer accuracy.
// Every rate carries a Wilson 95% interval.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/data/question.h"
#include "privqa/embed/sentence_encoder.h"
#include "privqa/report/privacy_metrics.h"
#include "privqa/report/wilson.h"
#include "privqa/store/cell.h"

namespace privqa::report {

struct ReconstructionScore {
  std::optional<size_t> bm25_rank;       // none when the original scores 0
  std::optional<size_t> embedding_rank;  // none without an encoder or a known word
  size_t rare_words = 0, rare_words_recalled = 0;
  double rouge_l = 0;
};

class ReconstructionScorer {
 public:
  // `meter` is built on `corpus`; `encoder` may be null (no embedding ranks).
  // Encodes every question of the corpus once. All must outlive the scorer.
  ReconstructionScorer(const PrivacyMeter& meter, const std::vector<Question>& corpus,
                       const SentenceEncoder* encoder);

  ReconstructionScore score(size_t question, std::string_view reconstruction) const;

 private:
  const PrivacyMeter* meter_;
  const std::vector<Question>* corpus_;
  const SentenceEncoder* encoder_;
  std::vector<std::vector<float>> vectors_;  // per corpus question; empty without an encoder
};

// One attack scenario x mechanism x eps.
struct ReconstructionStat {
  Scenario scenario = Scenario::kReconstruct;
  std::string mechanism;
  double eps = 0;
  size_t texts = 0;  // completed cells whose question is in the dataset
  Rate bm25_top1, bm25_top5;
  Rate embedding_top1, embedding_top5;  // over the texts with an embedding rank
  Rate rare_recall;                     // rare words of the originals, pooled
  double rouge_l = 0;                   // mean
  Rate answer_accuracy;                 // A2, over labelled questions; empty for A1
};

// The reconstruction the attack cell recorded (its details' "reconstruction").
std::string reconstruction_of(const CellResult& cell);

// The stats of `cells` (attack cells), ordered by scenario, then by the
// position of their mechanism in `mechanisms` (others last), then eps.
// Cells that failed, or whose question is not in the meter's corpus, are
// left out.
std::vector<ReconstructionStat> reconstruction_stats(const std::vector<CellResult>& cells,
                                                     const PrivacyMeter& meter,
                                                     const ReconstructionScorer& scorer,
                                                     const std::vector<std::string>& mechanisms);

// One attack cell's texts side by side, for the report's examples.
struct ReconstructionExample {
  std::string question_id;
  Scenario scenario = Scenario::kReconstruct;
  std::string mechanism;
  double eps = 0;
  std::string original, sanitized, reconstruction;
};

// The completed attack cells of the first `questions` question ids (in
// order of id) found in the meter's corpus: A1's, or A2's for a question
// without A1 cells, by mechanism (in `mechanisms` order) and eps.
std::vector<ReconstructionExample> reconstruction_examples(
    const std::vector<CellResult>& cells, const PrivacyMeter& meter,
    const std::vector<Question>& corpus, const std::vector<std::string>& mechanisms,
    size_t questions = 3);

}  // namespace privqa::report
