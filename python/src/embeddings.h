// privqa.Embeddings: a loaded table shared with the mechanisms built on it,
// whose vectors Python sees as read-only NumPy views of the table's memory.
#pragma once

#include <memory>
#include <mutex>

#include "privqa/embed/embedding_table.h"
#include "privqa/embed/knn.h"

namespace privqa::python {

struct PyEmbeddings {
  EmbeddingTable table;
  // Every row, for neighbour queries; built on the first one.
  std::once_flag all_once;
  std::unique_ptr<VectorSet> all;
};

}  // namespace privqa::python
