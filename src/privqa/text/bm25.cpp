#include "privqa/text/bm25.h"

#include <cmath>
#include <unordered_set>

#include "privqa/text/normalize.h"
#include "privqa/text/stopwords.h"
#include "privqa/text/tokenizer.h"

namespace privqa {

std::vector<std::string> content_terms(std::string_view text) {
  std::vector<std::string> terms;
  for (const Token& token : tokenize(text)) {
    if (token.kind != TokenKind::kWord && token.kind != TokenKind::kNumber) continue;
    std::string folded = fold_case(token.text);
    if (is_stopword(folded)) continue;
    terms.push_back(std::move(folded));
  }
  return terms;
}

Bm25Index::Bm25Index(const std::vector<std::string>& documents, double k1, double b)
    : k1_(k1), b_(b) {
  doc_terms_.resize(documents.size());
  doc_length_.resize(documents.size());
  double total = 0;
  for (size_t i = 0; i < documents.size(); ++i) {
    const auto terms = content_terms(documents[i]);
    for (const std::string& term : terms) {
      if (doc_terms_[i][term]++ == 0) postings_[term].push_back(static_cast<int>(i));
    }
    doc_length_[i] = static_cast<double>(terms.size());
    total += doc_length_[i];
  }
  if (!documents.empty() && total > 0) mean_length_ = total / static_cast<double>(documents.size());
  self_score_.resize(documents.size());
  for (size_t i = 0; i < documents.size(); ++i) {
    for (const auto& [term, count] : doc_terms_[i])
      self_score_[i] += term_weight(i, term);
  }
}

double Bm25Index::term_weight(size_t doc, const std::string& term) const {
  const double n = static_cast<double>(doc_terms_.size());
  const double df = static_cast<double>(postings_.at(term).size());
  const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
  const double tf = doc_terms_[doc].at(term);
  const double norm = k1_ * (1.0 - b_ + b_ * doc_length_[doc] / mean_length_);
  return idf * tf * (k1_ + 1.0) / (tf + norm);
}

std::vector<double> Bm25Index::scores(std::string_view query) const {
  std::vector<double> out(doc_terms_.size(), 0.0);
  std::unordered_set<std::string> seen;
  for (const std::string& term : content_terms(query)) {
    if (!seen.insert(term).second) continue;
    const auto it = postings_.find(term);
    if (it == postings_.end()) continue;
    for (int doc : it->second)
      out[static_cast<size_t>(doc)] += term_weight(static_cast<size_t>(doc), term);
  }
  return out;
}

}  // namespace privqa
