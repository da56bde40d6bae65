// Okapi BM25 ranking of a fixed set of documents (Robertson & Zaragoza, "The
// Probabilistic Relevance Framework: BM25 and Beyond", 2009), over the folded,
// non-stopword word and number terms of each text.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace privqa {

// The folded, non-stopword word and number tokens of `text`, in order.
std::vector<std::string> content_terms(std::string_view text);

class Bm25Index {
 public:
  // k1 and b: the usual defaults.
  explicit Bm25Index(const std::vector<std::string>& documents, double k1 = 1.2, double b = 0.75);

  size_t size() const { return self_score_.size(); }

  // The score of every document for `query`, indexed like the documents. A
  // document scores the sum of its term weights over the distinct query terms
  // it holds (0 when it holds none). idf is log(1 + (N - df + 0.5) / (df + 0.5)),
  // positive even for terms in most documents.
  std::vector<double> scores(std::string_view query) const;

  // The document's score for a query holding every one of its own terms: the
  // most any query can score it.
  double self_score(size_t doc) const { return self_score_[doc]; }

 private:
  struct Posting {
    int doc;
    double weight;  // the term's BM25 weight in `doc`
  };

  // term -> the documents holding it, with the term's weight in each: the
  // weights depend on the documents only, so a query just adds them up (a
  // simulated provider ranks every request it receives this way).
  std::unordered_map<std::string, std::vector<Posting>> postings_;
  std::vector<double> self_score_;
};

}  // namespace privqa
