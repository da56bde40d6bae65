#include "privqa/embed/sif_encoder.h"

#include <Eigen/Eigenvalues>

#include "privqa/text/tokenizer.h"

namespace privqa {
namespace {

bool is_content_token(const Token& token) {
  return token.kind == TokenKind::kWord || token.kind == TokenKind::kNumber;
}

}  // namespace

Result<SifEncoder> SifEncoder::build(const EmbeddingTable& table,
                                     const std::vector<std::string>& corpus, double a) {
  if (!(a > 0)) return Error("SIF parameter a must be positive");
  if (table.size() == 0) return Error("SIF needs a non-empty embedding table");
  SifEncoder encoder(table);
  std::vector<double> probability(table.size(), 0.0);
  if (corpus.empty()) {
    // Zipf's law over the frequency rank of the table's rows.
    double harmonic = 0;
    for (size_t r = 1; r <= table.size(); ++r)
      harmonic += 1.0 / static_cast<double>(r);
    for (size_t r = 0; r < table.size(); ++r) {
      probability[r] = 1.0 / (static_cast<double>(r + 1) * harmonic);
    }
  } else {
    uint64_t total = 0;
    std::vector<uint64_t> counts(table.size(), 0);
    for (const std::string& text : corpus) {
      for (const Token& token : tokenize(text)) {
        if (!is_content_token(token)) continue;
        ++total;
        if (const auto id = table.lookup(token.text)) ++counts[*id];
      }
    }
    if (total > 0) {
      for (size_t r = 0; r < table.size(); ++r) {
        probability[r] = static_cast<double>(counts[r]) / static_cast<double>(total);
      }
    }
  }
  encoder.row_weight_.resize(table.size());
  for (size_t r = 0; r < table.size(); ++r) {
    encoder.row_weight_[r] = static_cast<float>(a / (a + probability[r]));
  }

  // The first singular vector of the corpus' sentence matrix (uncentred, as
  // in the paper) is the top eigenvector of its dims x dims Gram matrix.
  if (!corpus.empty()) {
    const auto d = static_cast<Eigen::Index>(table.dims());
    Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(d, d);
    for (const std::string& text : corpus) {
      const std::vector<float> v = encoder.weighted_mean(text);
      const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXf>(v.data(), d).cast<double>();
      gram.selfadjointView<Eigen::Lower>().rankUpdate(x);
    }
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(
        gram.selfadjointView<Eigen::Lower>());
    if (solver.info() != Eigen::Success) return Error("SIF: eigen decomposition failed");
    if (solver.eigenvalues()(d - 1) > 0) {
      const Eigen::VectorXd top = solver.eigenvectors().col(d - 1).normalized();
      encoder.pc_.resize(table.dims());
      for (Eigen::Index j = 0; j < d; ++j)
        encoder.pc_[static_cast<size_t>(j)] = static_cast<float>(top(j));
    }
  }
  return encoder;
}

std::vector<float> SifEncoder::weighted_mean(std::string_view text) const {
  std::vector<double> sum(table_->dims(), 0.0);
  size_t words = 0;
  for (const Token& token : tokenize(text)) {
    if (!is_content_token(token)) continue;
    const auto id = table_->lookup(token.text);
    if (!id) continue;
    ++words;
    const double w = row_weight_[*id];
    const auto row = table_->row(*id);
    for (size_t j = 0; j < sum.size(); ++j)
      sum[j] += w * row[j];
  }
  std::vector<float> mean(sum.size(), 0.0f);
  if (words == 0) return mean;
  for (size_t j = 0; j < sum.size(); ++j) {
    mean[j] = static_cast<float>(sum[j] / static_cast<double>(words));
  }
  return mean;
}

Result<std::vector<float>> SifEncoder::encode(std::string_view text) const {
  std::vector<float> v = weighted_mean(text);
  if (!pc_.empty()) {
    double projection = 0;
    for (size_t j = 0; j < v.size(); ++j)
      projection += static_cast<double>(v[j]) * pc_[j];
    for (size_t j = 0; j < v.size(); ++j)
      v[j] -= static_cast<float>(projection * pc_[j]);
  }
  return v;
}

double SifEncoder::weight(std::string_view word) const {
  const auto id = table_->lookup(word);
  return id ? row_weight_[*id] : 1.0;
}

}  // namespace privqa
