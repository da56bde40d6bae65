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

Bm25Index::Bm25Index(const std::vector<std::string>& documents, double k1, double b) {
  // Term counts per document first: the weights need every document's length
  // and every term's document frequency.
  std::vector<std::unordered_map<std::string, int>> doc_terms(documents.size());
  std::vector<double> doc_length(documents.size());
  double total = 0;
  for (size_t i = 0; i < documents.size(); ++i) {
    const auto terms = content_terms(documents[i]);
    for (const std::string& term : terms) {
      if (doc_terms[i][term]++ == 0) postings_[term].push_back({static_cast<int>(i), 0.0});
    }
    doc_length[i] = static_cast<double>(terms.size());
    total += doc_length[i];
  }
  const double mean_length =
      !documents.empty() && total > 0 ? total / static_cast<double>(documents.size()) : 1.0;
  const double n = static_cast<double>(documents.size());
  self_score_.assign(documents.size(), 0.0);
  for (auto& [term, postings] : postings_) {
    const double df = static_cast<double>(postings.size());
    const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    for (Posting& p : postings) {
      const auto doc = static_cast<size_t>(p.doc);
      const double tf = doc_terms[doc].at(term);
      const double norm = k1 * (1.0 - b + b * doc_length[doc] / mean_length);
      p.weight = idf * tf * (k1 + 1.0) / (tf + norm);
      self_score_[doc] += p.weight;
    }
  }
}

std::vector<double> Bm25Index::scores(std::string_view query) const {
  std::vector<double> out(self_score_.size(), 0.0);
  std::unordered_set<std::string> seen;
  for (const std::string& term : content_terms(query)) {
    if (!seen.insert(term).second) continue;
    const auto it = postings_.find(term);
    if (it == postings_.end()) continue;
    for (const Posting& p : it->second)
      out[static_cast<size_t>(p.doc)] += p.weight;
  }
  return out;
}

}  // namespace privqa
