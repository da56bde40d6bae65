// privqa._core, the extension module under the Python package privqa
// (docs/python.md): the embedding table, the mechanisms, the answer parser,
// question files and runs, each over the same code as the command line.
#include <pybind11/stl.h>

#include "privqa/base/paths.h"
#include "privqa/data/dataset.h"
#include "privqa/exp/answer_parser.h"
#include "python/src/bindings.h"

namespace privqa::python {

void raise_for_path(const std::filesystem::path& path, const Error& error) {
  if (!path.empty() && !std::filesystem::exists(path)) {
    PyErr_SetString(PyExc_FileNotFoundError, error.message().c_str());
    throw py::error_already_set();
  }
  throw EngineError(error.message());
}

namespace {

py::dict question_dict(const Question& q) {
  py::dict d;
  d["id"] = q.id;
  d["question"] = q.text;
  d["options"] = q.options;
  d["answer"] = q.labelled() ? py::object(py::int_(q.answer)) : py::object(py::none());
  d["subject"] = q.subject;
  d["topic"] = q.topic;
  d["context"] = q.context;
  d["meta"] = q.meta;
  return d;
}

py::list load_questions(const std::string& path, const std::string& mapping) {
  LoadOptions options;
  options.setting_names = {"", "mapping", "", ""};
  if (!mapping.empty()) {
    auto parsed = parse_field_mapping(mapping);
    if (!parsed.ok()) throw py::value_error(parsed.error().wrap("mapping").message());
    options.mapping = *parsed;
    // A mapping names the fields of a generic file: JSON Lines unless CSV.
    options.format = std::filesystem::path(path).extension() == ".csv" ? DatasetFormat::kCsv
                                                                       : DatasetFormat::kJsonl;
  }
  Result<Dataset> dataset = Error("");
  {
    py::gil_scoped_release unlocked;
    dataset = load_dataset(path, options);
  }
  const Dataset loaded = value_or_raise(std::move(dataset), path);
  py::list out;
  for (const Question& q : loaded.questions)
    out.append(question_dict(q));
  return out;
}

}  // namespace
}  // namespace privqa::python

PYBIND11_MODULE(_core, m) {
  namespace py = pybind11;
  using namespace privqa::python;
  m.doc() = "The privqa engine (C++) under the Python package privqa.";
  py::register_exception<EngineError>(m, "Error", PyExc_RuntimeError);

  m.def(
      "parse_answer",
      [](const std::string& reply, const std::vector<std::string>& options) {
        const privqa::ParsedAnswer parsed = privqa::parse_answer(reply, options);
        return py::make_tuple(
            parsed.parsed() ? py::object(py::int_(parsed.index)) : py::object(py::none()),
            parsed.method);
      },
      py::arg("reply"), py::arg("options"));
  m.def("load_questions", &load_questions, py::arg("path"), py::arg("mapping") = "");
  m.def("default_embeddings_path", [] { return privqa::default_embeddings_path().string(); });
  m.def("default_data_dir", [] { return privqa::shared_data_dir().string(); });
  bind_embeddings(m);
  bind_mechanism(m);
  bind_runs(m);
}
