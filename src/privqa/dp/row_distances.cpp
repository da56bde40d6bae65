#include "privqa/dp/row_distances.h"

#include <algorithm>

namespace privqa {

RowDistances::RowDistances(const EmbeddingTable& table, std::vector<uint32_t> rows)
    : rows_(std::move(rows)), set_(table.gather(rows_), table.dims()) {}

void RowDistances::all(std::span<const float> x, std::span<float> out) const {
  set_.distances(x, out);
}

void RowDistances::many(std::span<const float> queries, std::span<float> out) const {
  set_.distances(queries, out);
}

void RowDistances::for_each_query(std::span<const float> queries,
                                  const std::function<void(size_t, std::span<float>)>& each) const {
  const size_t n = size();
  const size_t m = dims() == 0 ? 0 : queries.size() / dims();
  thread_local std::vector<float> scratch;  // reused: a fresh vector faults in its pages
  for (size_t begin = 0; begin < m; begin += kQueriesPerProduct) {
    const size_t count = std::min(kQueriesPerProduct, m - begin);
    scratch.resize(count * n);
    many(queries.subspan(begin * dims(), count * dims()), scratch);
    for (size_t i = 0; i < count; ++i)
      each(begin + i, std::span(scratch).subspan(i * n, n));
  }
}

void RowDistances::from_rows(const EmbeddingTable& table, std::span<const uint32_t> queries,
                             std::vector<float>& out) const {
  out.resize(queries.size() * size());
  set_.distances(table.gather(queries), out);
}

}  // namespace privqa
