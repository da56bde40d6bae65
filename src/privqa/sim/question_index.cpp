#include "privqa/sim/question_index.h"

#include <algorithm>
#include <string>

namespace privqa::sim {

namespace {

std::vector<std::string> texts_of(const std::vector<Question>& questions) {
  std::vector<std::string> texts;
  texts.reserve(questions.size());
  for (const auto& q : questions)
    texts.push_back(q.text);
  return texts;
}

}  // namespace

QuestionIndex::QuestionIndex(const std::vector<Question>& questions)
    : index_(texts_of(questions)) {}

Recognition QuestionIndex::recognize(std::string_view text) const {
  const std::vector<double> scores = index_.scores(text);
  Recognition best;
  double best_score = 0;
  for (size_t doc = 0; doc < scores.size(); ++doc) {
    // Strictly greater: ties keep the lower index, so the result never
    // depends on anything but the questions' order.
    if (scores[doc] > best_score) {
      best_score = scores[doc];
      best.question = static_cast<int>(doc);
    }
  }
  if (best.question >= 0) {
    const double self = index_.self_score(static_cast<size_t>(best.question));
    if (self > 0) best.confidence = std::min(1.0, best_score / self);
  }
  return best;
}

}  // namespace privqa::sim
