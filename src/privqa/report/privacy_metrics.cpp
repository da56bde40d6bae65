#include "privqa/report/privacy_metrics.h"

#include <algorithm>
#include <unordered_set>

#include "privqa/text/normalize.h"
#include "privqa/text/tokenizer.h"

namespace privqa::report {

namespace {

std::vector<std::string> texts_of(const std::vector<Question>& corpus) {
  std::vector<std::string> texts;
  texts.reserve(corpus.size());
  for (const auto& q : corpus)
    texts.push_back(q.text);
  return texts;
}

std::vector<std::string> folded_words(std::string_view text) {
  std::vector<std::string> words;
  for (const Token& token : tokenize(text)) {
    if (token.kind == TokenKind::kWord || token.kind == TokenKind::kNumber) {
      words.push_back(fold_case(token.text));
    }
  }
  return words;
}

size_t longest_common_subsequence(const std::vector<std::string>& a,
                                  const std::vector<std::string>& b) {
  std::vector<size_t> previous(b.size() + 1, 0), current(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      current[j] =
          a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : std::max(previous[j], current[j - 1]);
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

double rouge_l(std::string_view reference, std::string_view candidate) {
  const auto ref = folded_words(reference);
  const auto cand = folded_words(candidate);
  const auto common = static_cast<double>(longest_common_subsequence(ref, cand));
  if (common == 0) return 0;
  const double precision = common / static_cast<double>(cand.size());
  const double recall = common / static_cast<double>(ref.size());
  return 2 * precision * recall / (precision + recall);
}

PrivacyMeter::PrivacyMeter(const std::vector<Question>& corpus, const SentenceEncoder* encoder)
    : corpus_(&corpus), encoder_(encoder), index_(texts_of(corpus)) {
  std::unordered_map<std::string, size_t> group_of_terms;
  term_group_.resize(corpus.size());
  for (size_t i = 0; i < corpus.size(); ++i) {
    by_id_.emplace(corpus[i].id, i);
    auto terms = content_terms(corpus[i].text);
    for (const std::string& term : std::unordered_set<std::string>(terms.begin(), terms.end())) {
      ++document_frequency_[term];
    }
    // BM25 scores questions with the same content terms alike for every query.
    std::sort(terms.begin(), terms.end());
    std::string bag;
    for (const std::string& term : terms)
      bag += term + '\n';
    term_group_[i] = group_of_terms.emplace(bag, group_of_terms.size()).first->second;
  }
  rare_limit_ = std::max<size_t>(1, corpus.size() / 1000);
}

std::optional<size_t> PrivacyMeter::find(const std::string& question_id) const {
  const auto it = by_id_.find(question_id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

TextPrivacy PrivacyMeter::measure(size_t question, std::string_view sanitized) const {
  const std::string& original = (*corpus_)[question].text;
  TextPrivacy m;

  const auto original_words = folded_words(original);
  const auto sanitized_words = folded_words(sanitized);
  if (!original_words.empty()) {
    m.words_changed =
        1.0 - static_cast<double>(longest_common_subsequence(original_words, sanitized_words)) /
                  static_cast<double>(original_words.size());
  }

  if (encoder_ != nullptr) {
    auto a = encoder_->encode(original);
    auto b = encoder_->encode(sanitized);
    const auto nonzero = [](const std::vector<float>& v) {
      return std::any_of(v.begin(), v.end(), [](float x) { return x != 0.0f; });
    };
    if (a && b && nonzero(*a) && nonzero(*b)) m.cosine = cosine_similarity(*a, *b);
  }

  const RareWords rare = rare_words(question, sanitized);
  m.rare_words = rare.rare;
  m.rare_words_kept = rare.kept;

  m.reidentified = bm25_rank(question, sanitized) == 1;
  return m;
}

PrivacyMeter::RareWords PrivacyMeter::rare_words(size_t question, std::string_view text) const {
  const auto words = folded_words(text);
  const std::unordered_set<std::string> kept(words.begin(), words.end());
  std::unordered_set<std::string> counted;
  RareWords out;
  for (const std::string& term : content_terms((*corpus_)[question].text)) {
    if (!counted.insert(term).second) continue;
    if (document_frequency_.at(term) > rare_limit_) continue;
    ++out.rare;
    if (kept.count(term) != 0) ++out.kept;
  }
  return out;
}

std::optional<size_t> PrivacyMeter::bm25_rank(size_t question, std::string_view text) const {
  const std::vector<double> scores = index_.scores(text);
  if (!(scores[question] > 0)) return std::nullopt;
  return rank_among(question, scores);
}

size_t PrivacyMeter::rank_among(size_t question, const std::vector<double>& similarities) const {
  const double own = similarities[question];
  size_t rank = 1;
  for (size_t d = 0; d < similarities.size(); ++d) {
    rank += term_group_[d] != term_group_[question] && similarities[d] >= own;
  }
  return rank;
}

}  // namespace privqa::report
