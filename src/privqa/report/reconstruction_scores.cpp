#include "privqa/report/reconstruction_scores.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

namespace privqa::report {

namespace {

bool has_nonzero(const std::vector<float>& v) {
  return std::any_of(v.begin(), v.end(), [](float x) { return x != 0.0f; });
}

void count(Rate& rate, bool success) {
  ++rate.trials;
  rate.successes += success;
}

void finish(Rate& rate) {
  rate.ci = wilson_interval(rate.successes, rate.trials);
}

}  // namespace

ReconstructionScorer::ReconstructionScorer(const PrivacyMeter& meter,
                                           const std::vector<Question>& corpus,
                                           const SentenceEncoder* encoder)
    : meter_(&meter), corpus_(&corpus), encoder_(encoder) {
  if (encoder_ == nullptr) return;
  vectors_.reserve(corpus.size());
  // A question without a known word has no vector: no query ranks it.
  for (const Question& q : corpus) {
    auto v = encoder_->encode(q.text);
    vectors_.push_back(v && has_nonzero(*v) ? std::move(*v) : std::vector<float>());
  }
}

ReconstructionScore ReconstructionScorer::score(size_t question,
                                                std::string_view reconstruction) const {
  ReconstructionScore s;
  const std::string& original = (*corpus_)[question].text;
  s.bm25_rank = meter_->bm25_rank(question, reconstruction);
  const PrivacyMeter::RareWords rare = meter_->rare_words(question, reconstruction);
  s.rare_words = rare.rare;
  s.rare_words_recalled = rare.kept;
  s.rouge_l = rouge_l(original, reconstruction);
  if (encoder_ != nullptr && !vectors_[question].empty()) {
    auto query = encoder_->encode(reconstruction);
    if (query && has_nonzero(*query)) {
      std::vector<double> similarities(vectors_.size(), -2.0);  // below any cosine: unranked
      for (size_t d = 0; d < vectors_.size(); ++d) {
        if (vectors_[d].size() == query->size()) {
          similarities[d] = cosine_similarity(vectors_[d], *query);
        }
      }
      s.embedding_rank = meter_->rank_among(question, similarities);
    }
  }
  return s;
}

std::string reconstruction_of(const CellResult& cell) {
  const auto details = nlohmann::json::parse(cell.details, nullptr, /*allow_exceptions=*/false);
  if (!details.is_object()) return "";
  const auto it = details.find("reconstruction");
  return it != details.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<ReconstructionStat> reconstruction_stats(const std::vector<CellResult>& cells,
                                                     const PrivacyMeter& meter,
                                                     const ReconstructionScorer& scorer,
                                                     const std::vector<std::string>& mechanisms) {
  struct Sums {
    ReconstructionStat stat;
    double rouge_l = 0;
  };
  std::map<std::tuple<int, size_t, std::string, double>, Sums> groups;
  for (const CellResult& c : cells) {
    if (!is_attack(c.key.scenario) || c.status != CellStatus::kOk) continue;
    const auto question = meter.find(c.key.question_id);
    if (!question) continue;
    const auto order = static_cast<size_t>(
        std::find(mechanisms.begin(), mechanisms.end(), c.key.mechanism) - mechanisms.begin());
    Sums& g = groups[{static_cast<int>(c.key.scenario), order, c.key.mechanism, c.key.eps}];
    ReconstructionStat& s = g.stat;
    s.scenario = c.key.scenario;
    s.mechanism = c.key.mechanism;
    s.eps = c.key.eps;
    ++s.texts;
    const ReconstructionScore score = scorer.score(*question, reconstruction_of(c));
    count(s.bm25_top1, score.bm25_rank == 1);
    count(s.bm25_top5, score.bm25_rank && *score.bm25_rank <= 5);
    if (score.embedding_rank) {
      count(s.embedding_top1, *score.embedding_rank == 1);
      count(s.embedding_top5, *score.embedding_rank <= 5);
    }
    s.rare_recall.trials += score.rare_words;
    s.rare_recall.successes += score.rare_words_recalled;
    g.rouge_l += score.rouge_l;
    if (c.key.scenario == Scenario::kReconstructAnswer && c.gold >= 0) {
      count(s.answer_accuracy, c.correct());
    }
  }
  std::vector<ReconstructionStat> out;
  for (auto& [key, g] : groups) {
    ReconstructionStat& s = g.stat;
    for (Rate* r : {&s.bm25_top1, &s.bm25_top5, &s.embedding_top1, &s.embedding_top5,
                    &s.rare_recall, &s.answer_accuracy}) {
      finish(*r);
    }
    s.rouge_l = g.rouge_l / static_cast<double>(s.texts);
    out.push_back(s);
  }
  return out;
}

std::vector<ReconstructionExample> reconstruction_examples(
    const std::vector<CellResult>& cells, const PrivacyMeter& meter,
    const std::vector<Question>& corpus, const std::vector<std::string>& mechanisms,
    size_t questions) {
  // question id -> its cells by (scenario, mechanism order, eps)
  std::map<std::string, std::map<std::tuple<int, size_t, double>, const CellResult*>> by_question;
  for (const CellResult& c : cells) {
    if (!is_attack(c.key.scenario) || c.status != CellStatus::kOk ||
        !meter.find(c.key.question_id)) {
      continue;
    }
    const auto order = static_cast<size_t>(
        std::find(mechanisms.begin(), mechanisms.end(), c.key.mechanism) - mechanisms.begin());
    by_question[c.key.question_id].emplace(
        std::tuple{static_cast<int>(c.key.scenario), order, c.key.eps}, &c);
  }
  std::vector<ReconstructionExample> out;
  size_t taken = 0;
  for (const auto& [id, shown] : by_question) {
    if (taken++ == questions) break;
    const int scenario = std::get<0>(shown.begin()->first);  // A1 when it has any
    for (const auto& [key, c] : shown) {
      if (std::get<0>(key) != scenario) continue;
      out.push_back({id, c->key.scenario, c->key.mechanism, c->key.eps,
                     corpus[*meter.find(id)].text, c->sanitized, reconstruction_of(*c)});
    }
  }
  return out;
}

}  // namespace privqa::report
