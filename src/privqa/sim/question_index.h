// Which dataset question a prompt is about: BM25 retrieval over the question
// texts (text/bm25.h), with a confidence in [0, 1] that falls as the prompt's
// wording drifts from the question (e.g. after sanitization).
#pragma once

#include <string_view>
#include <vector>

#include "privqa/data/question.h"
#include "privqa/text/bm25.h"

namespace privqa::sim {

struct Recognition {
  int question = -1;      // index into the indexed questions; -1 when nothing matched
  double confidence = 0;  // score / the question's score against its own text
};

class QuestionIndex {
 public:
  explicit QuestionIndex(const std::vector<Question>& questions);

  // Best match for `text` (ties go to the lower index). The BM25 score of a
  // question sums over the distinct query terms it contains, so dividing by
  // its self-score (all of its own terms) gives 1 for a query holding every
  // term of the question and less as terms are replaced or dropped.
  Recognition recognize(std::string_view text) const;

  size_t size() const { return index_.size(); }

 private:
  Bm25Index index_;
};

}  // namespace privqa::sim
