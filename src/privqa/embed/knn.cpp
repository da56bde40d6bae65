#include "privqa/embed/knn.h"

#include <Eigen/Core>
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace privqa {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Rows per block: the score matrix of a batch stays small while each block
// of members is reused by every query of the batch.
constexpr size_t kScanRows = 8 * BlockedRows::kBlockRows;

double norm_of(std::span<const float> v) {
  double sum = 0;
  for (const float x : v)
    sum += static_cast<double>(x) * x;
  return std::sqrt(sum);
}

// The distance of the contract, computed directly in double precision.
double exact_distance(std::span<const float> q, double q_norm, const float* x, Metric metric) {
  double sum = 0;  // squared distance, or dot product
  double x_sq = 0;
  for (size_t j = 0; j < q.size(); ++j) {
    if (metric == Metric::kEuclidean) {
      const double diff = static_cast<double>(q[j]) - x[j];
      sum += diff * diff;
    } else {
      sum += static_cast<double>(q[j]) * x[j];
      x_sq += static_cast<double>(x[j]) * x[j];
    }
  }
  if (metric == Metric::kEuclidean) return std::sqrt(sum);
  if (q_norm == 0 || x_sq == 0) return 1.0;
  return std::clamp(1.0 - sum / (q_norm * std::sqrt(x_sq)), 0.0, 2.0);
}

// Candidate selection for one query over approximate scores that order the
// members like the distance does (smaller = closer): the k best scores seen
// so far set a threshold, and every member within `tolerance` of it stays a
// candidate, so that rounding in the matrix product cannot drop a true
// neighbour; candidates are re-scored exactly at the end.
class CandidateSelector {
 public:
  CandidateSelector(size_t k, float tolerance) : k_(k), tolerance_(tolerance) {}

  void offer(float score, uint32_t position) {
    if (score > threshold_ + tolerance_) return;
    candidates_.push_back({score, position});
    best_.push_back(score);
    std::push_heap(best_.begin(), best_.end());
    if (best_.size() > k_) {
      std::pop_heap(best_.begin(), best_.end());
      best_.pop_back();
    }
    if (best_.size() == k_) threshold_ = best_.front();
    if (candidates_.size() > 4 * k_ + 1024) prune();
  }

  std::vector<uint32_t> positions() {
    prune();
    std::vector<uint32_t> out;
    out.reserve(candidates_.size());
    for (const auto& c : candidates_)
      out.push_back(c.position);
    return out;
  }

 private:
  struct Candidate {
    float score;
    uint32_t position;
  };
  void prune() {
    const float limit = threshold_ + tolerance_;
    std::erase_if(candidates_, [limit](const Candidate& c) { return c.score > limit; });
  }

  size_t k_;
  float tolerance_;
  float threshold_ = std::numeric_limits<float>::infinity();
  std::vector<float> best_;  // max-heap of the k best scores
  std::vector<Candidate> candidates_;
};

void check_query(std::span<const float> q, size_t dims) {
  if (q.size() != dims) {
    throw std::invalid_argument("query has " + std::to_string(q.size()) +
                                " dimensions, the vector set " + std::to_string(dims));
  }
}

}  // namespace

VectorSet::VectorSet(const EmbeddingTable& table, std::vector<uint32_t> ids)
    : ids_(std::move(ids)), dims_(table.dims()), rows_(ids_.size() * dims_), norms_(ids_.size()) {
  for (size_t i = 0; i < ids_.size(); ++i) {
    if (ids_[i] >= table.size()) {
      throw std::out_of_range("row id " + std::to_string(ids_[i]) + " outside a table of " +
                              std::to_string(table.size()) + " rows");
    }
    const auto row = table.row(ids_[i]);
    std::copy(row.begin(), row.end(), rows_.begin() + static_cast<ptrdiff_t>(i * dims_));
    norms_[i] = static_cast<float>(norm_of(row));
  }
}

VectorSet VectorSet::all(const EmbeddingTable& table) {
  std::vector<uint32_t> ids(table.size());
  std::iota(ids.begin(), ids.end(), 0u);
  return VectorSet(table, std::move(ids));
}

void VectorSet::distances(std::span<const float> q, Metric metric, std::span<float> out) const {
  check_query(q, dims_);
  if (out.size() != size()) throw std::invalid_argument("output size differs from the set size");
  const Eigen::Map<const RowMatrix> members(rows_.data(), static_cast<Eigen::Index>(size()),
                                            static_cast<Eigen::Index>(dims_));
  const Eigen::Map<const Eigen::VectorXf> query(q.data(), static_cast<Eigen::Index>(dims_));
  Eigen::Map<Eigen::VectorXf> result(out.data(), static_cast<Eigen::Index>(size()));
  if (metric == Metric::kEuclidean) {
    // Differences rather than |q|^2 - 2 q.x + |x|^2: no cancellation, so a
    // member equal to q is at distance exactly 0.
    result = (members.rowwise() - query.transpose()).rowwise().norm();
    return;
  }
  result.noalias() = members * query;
  const auto q_norm = static_cast<float>(norm_of(q));
  for (size_t i = 0; i < size(); ++i) {
    const float denominator = q_norm * norms_[i];
    // Rounding may put a parallel member a hair below 0: clamp to [0, 2].
    out[i] = denominator == 0 ? 1.0f : std::clamp(1.0f - out[i] / denominator, 0.0f, 2.0f);
  }
}

std::vector<Neighbor> VectorSet::nearest(std::span<const float> q, size_t k, Metric metric) const {
  return nearest_batch({q}, k, metric).front();
}

std::vector<std::vector<Neighbor>> VectorSet::nearest_batch(
    const std::vector<std::span<const float>>& qs, size_t k, Metric metric) const {
  const size_t m = qs.size();
  std::vector<std::vector<Neighbor>> results(m);
  if (m == 0) return results;
  std::vector<float> queries(m * dims_);
  std::vector<double> q_norms(m);
  for (size_t i = 0; i < m; ++i) {
    check_query(qs[i], dims_);
    std::copy(qs[i].begin(), qs[i].end(), queries.begin() + static_cast<ptrdiff_t>(i * dims_));
    q_norms[i] = norm_of(qs[i]);
  }
  k = std::min(k, size());
  if (k == 0) return results;

  // Scores that order members like the distance for a fixed query:
  // Euclidean |x|^2 - 2 q.x (the |q|^2 term is common), cosine -q.x / |x|.
  // Their rounding error is bounded by about dims * FLT_EPSILON times
  // |q||x| (plus |x|^2); the tolerance is 8 times that bound.
  const float max_norm = norms_.empty() ? 0.0f : *std::max_element(norms_.begin(), norms_.end());
  const float slack = 8.0f * static_cast<float>(dims_ + 2) * FLT_EPSILON;
  std::vector<CandidateSelector> selectors;
  selectors.reserve(m);
  for (size_t i = 0; i < m; ++i) {
    const auto qn = static_cast<float>(q_norms[i]);
    selectors.emplace_back(k, metric == Metric::kEuclidean
                                  ? slack * (2 * qn * max_norm + max_norm * max_norm)
                                  : slack * (qn + 1.0f));
  }

  // Scores from float dot products: one query with Eigen, several with the
  // blocked kernel. Candidates are re-scored exactly either way, so the
  // result does not depend on the path.
  if (m > 1) std::call_once(blocked_once_, [this] { blocked_ = BlockedRows(rows_, dims_); });
  const Eigen::Map<const RowMatrix> members(rows_.data(), static_cast<Eigen::Index>(size()),
                                            static_cast<Eigen::Index>(dims_));
  const Eigen::Map<const Eigen::VectorXf> first_query(queries.data(),
                                                      static_cast<Eigen::Index>(dims_));
  std::vector<float> dots;  // queries x block members, row-major
  for (size_t begin = 0; begin < size(); begin += kScanRows) {
    const size_t count = std::min(kScanRows, size() - begin);
    dots.resize(m * count);
    if (m > 1) {
      blocked_.dots(queries, begin, count, dots);
    } else {
      Eigen::Map<Eigen::VectorXf>(dots.data(), static_cast<Eigen::Index>(count)).noalias() =
          members.middleRows(static_cast<Eigen::Index>(begin), static_cast<Eigen::Index>(count)) *
          first_query;
    }
    for (size_t i = 0; i < m; ++i) {
      const float* row = dots.data() + i * count;
      for (size_t j = 0; j < count; ++j) {
        const float x_norm = norms_[begin + j];
        const float dot = row[j];
        const float score = metric == Metric::kEuclidean ? x_norm * x_norm - 2.0f * dot
                            : x_norm == 0                ? 0.0f
                                                         : -dot / x_norm;
        selectors[i].offer(score, static_cast<uint32_t>(begin + j));
      }
    }
  }

  for (size_t i = 0; i < m; ++i) {
    std::vector<Neighbor>& out = results[i];
    for (const uint32_t position : selectors[i].positions()) {
      const double d = exact_distance(qs[i], q_norms[i], rows_.data() + position * dims_, metric);
      out.push_back({ids_[position], static_cast<float>(d)});
    }
    std::sort(out.begin(), out.end(), [](const Neighbor& a, const Neighbor& b) {
      return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
    });
    out.resize(std::min(k, out.size()));
  }
  return results;
}

}  // namespace privqa
