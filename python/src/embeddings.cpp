#include "python/src/embeddings.h"

#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <numeric>

#include "python/src/bindings.h"

namespace privqa::python {
namespace {

std::shared_ptr<PyEmbeddings> load(const std::string& path, bool cache) {
  EmbeddingLoadOptions options;
  options.use_cache = cache;
  Result<EmbeddingTable> table = Error("");
  {
    py::gil_scoped_release unlocked;
    table = load_embeddings(path, options);
  }
  auto out = std::make_shared<PyEmbeddings>();
  out->table = value_or_raise(std::move(table), path);
  return out;
}

uint32_t row_of(const PyEmbeddings& e, const std::string& word) {
  const auto row = e.table.lookup(word);
  if (!row) {
    // The message of `privqa embed neighbors`.
    throw py::key_error(fmt::format("'{}' is not in {}", word, e.table.origin().source.string()));
  }
  return *row;
}

// A read-only view of `count` rows from `first`; `owner` (the Python
// Embeddings) becomes the array's base and keeps the memory alive.
py::array_t<float> rows_view(const PyEmbeddings& e, uint32_t first, size_t count, bool matrix,
                             const py::object& owner) {
  const auto dims = static_cast<py::ssize_t>(e.table.dims());
  const float* data = e.table.data() + static_cast<size_t>(first) * e.table.dims();
  py::array_t<float> view =
      matrix ? py::array_t<float>({static_cast<py::ssize_t>(count), dims},
                                  {dims * py::ssize_t{sizeof(float)}, py::ssize_t{sizeof(float)}},
                                  data, owner)
             : py::array_t<float>({dims}, {py::ssize_t{sizeof(float)}}, data, owner);
  py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return view;
}

}  // namespace

void bind_embeddings(py::module_& m) {
  py::class_<PyEmbeddings, std::shared_ptr<PyEmbeddings>>(m, "Embeddings")
      .def_static("_load", &load, py::arg("path"), py::arg("cache") = true)
      .def_property_readonly("path",
                             [](const PyEmbeddings& e) { return e.table.origin().source.string(); })
      .def_property_readonly("dims", [](const PyEmbeddings& e) { return e.table.dims(); })
      .def("__len__", [](const PyEmbeddings& e) { return e.table.size(); })
      .def("__contains__", [](const PyEmbeddings& e,
                              const std::string& w) { return e.table.lookup(w).has_value(); })
      .def("index", [](const PyEmbeddings& e, const std::string& w) { return row_of(e, w); })
      .def("word",
           [](const PyEmbeddings& e, uint32_t row) {
             if (row >= e.table.size()) throw py::index_error("row out of range");
             return e.table.word(row);
           })
      .def("vector",
           [](const py::object& self, const std::string& word) {
             const auto& e = self.cast<const PyEmbeddings&>();
             return rows_view(e, row_of(e, word), 1, false, self);
           })
      .def_property_readonly("matrix",
                             [](const py::object& self) {
                               const auto& e = self.cast<const PyEmbeddings&>();
                               return rows_view(e, 0, e.table.size(), true, self);
                             })
      .def(
          "neighbors",
          [](PyEmbeddings& e, const std::string& word, size_t k, const std::string& metric) {
            if (metric != "cosine" && metric != "euclidean") {
              throw py::value_error("metric must be cosine or euclidean");
            }
            const uint32_t row = row_of(e, word);
            py::list out;
            std::vector<Neighbor> found;
            {
              py::gil_scoped_release unlocked;
              std::call_once(e.all_once, [&] {
                std::vector<uint32_t> every(e.table.size());
                std::iota(every.begin(), every.end(), 0u);
                e.all = std::make_unique<VectorSet>(e.table, std::move(every));
              });
              // One more than asked: the word is its own nearest neighbour.
              found = e.all->nearest(e.table.row(row), k + 1,
                                     metric == "cosine" ? Metric::kCosine : Metric::kEuclidean);
            }
            for (const Neighbor& n : found) {
              if (n.id == row || out.size() == k) continue;
              out.append(py::make_tuple(e.table.word(n.id), n.distance));
            }
            return out;
          },
          py::arg("word"), py::arg("k") = 10, py::arg("metric") = "cosine");
}

}  // namespace privqa::python
