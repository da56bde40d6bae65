// How much of a question a sanitized text still gives away, measured against
// the original question among all questions of its dataset:
//  - words changed: 1 - LCS(original words, sanitized words) / |original words|
//    (folded word and number tokens; the longest common subsequence credits
//    words kept in order, so it also suits paraphrases);
//  - cosine of the SIF sentence embeddings of original and sanitized;
//  - rare words kept: the original's rare content words (in at most
//    max(1, N / 1000) of the N questions) that occur in the sanitized text;
//  - re-identified: BM25 with the sanitized text as query scores the original
//    strictly above every other question, except questions with exactly the
//    original's content terms, which no query can tell apart from it.
// The reconstruction attacks (reconstruction_scores.h) use the same pieces
// on the attacker's reconstruction, plus its rank and ROUGE-L.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "privqa/data/question.h"
#include "privqa/embed/sentence_encoder.h"
#include "privqa/text/bm25.h"

namespace privqa::report {

struct TextPrivacy {
  double words_changed = 0;      // share in [0, 1]; 0 for an original without words
  std::optional<double> cosine;  // absent without an encoder or when a side has no known word
  size_t rare_words = 0;         // rare content words of the original (distinct)
  size_t rare_words_kept = 0;    // of those, found in the sanitized text
  bool reidentified = false;
};

// ROUGE-L F-measure (C.-Y. Lin, "ROUGE: A Package for Automatic Evaluation
// of Summaries", ACL Workshop Text Summarization Branches Out, 2004) over
// folded word and number tokens: with L the longest common subsequence,
// precision L / |candidate|, recall L / |reference|, F = 2PR / (P + R)
// (beta = 1); 0 when L is 0.
double rouge_l(std::string_view reference, std::string_view candidate);

class PrivacyMeter {
 public:
  // `corpus`: every question of the dataset. `encoder` may be null (no cosine);
  // both must outlive the meter.
  PrivacyMeter(const std::vector<Question>& corpus, const SentenceEncoder* encoder);

  // Index of the question with this id in the corpus, or nullopt.
  std::optional<size_t> find(const std::string& question_id) const;

  // Metrics of `sanitized` as a stand-in for corpus question `question`.
  TextPrivacy measure(size_t question, std::string_view sanitized) const;

  // The rare content words of corpus question `question` (distinct), and
  // how many of them occur in `text`.
  struct RareWords {
    size_t rare = 0, kept = 0;
  };
  RareWords rare_words(size_t question, std::string_view text) const;

  // The original's rank when `text` queries the corpus by BM25: 1 + the
  // questions scoring at least as high, questions with exactly the
  // original's content terms left out; nullopt when the original scores 0.
  std::optional<size_t> bm25_rank(size_t question, std::string_view text) const;

  // The rank of corpus question `question` among `similarities` (one per
  // corpus question, e.g. cosines to a query), counted as bm25_rank counts.
  size_t rank_among(size_t question, const std::vector<double>& similarities) const;

 private:
  const std::vector<Question>* corpus_;
  const SentenceEncoder* encoder_;
  Bm25Index index_;
  std::unordered_map<std::string, size_t> by_id_;
  std::vector<size_t> term_group_;  // questions with equal text share a group
  std::unordered_map<std::string, size_t> document_frequency_;  // content term -> questions
  size_t rare_limit_ = 1;
};

}  // namespace privqa::report
