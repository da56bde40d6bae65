#include "privqa/dp/row_distances.h"

namespace privqa {
namespace {

std::vector<float> gather(const EmbeddingTable& table, std::span<const uint32_t> rows) {
  std::vector<float> out;
  out.reserve(rows.size() * table.dims());
  for (uint32_t row : rows) {
    const auto vector = table.row(row);
    out.insert(out.end(), vector.begin(), vector.end());
  }
  return out;
}

}  // namespace

RowDistances::RowDistances(const EmbeddingTable& table, std::vector<uint32_t> rows)
    : rows_(std::move(rows)), set_(gather(table, rows_), table.dims()) {}

void RowDistances::all(std::span<const float> x, std::span<float> out) const {
  set_.distances(x, out);
}

void RowDistances::many(std::span<const float> queries, std::span<float> out) const {
  set_.distances(queries, out);
}

void RowDistances::from_rows(const EmbeddingTable& table, std::span<const uint32_t> queries,
                             std::vector<float>& out) const {
  out.resize(queries.size() * size());
  set_.distances(gather(table, queries), out);
}

}  // namespace privqa
