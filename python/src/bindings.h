// Shared by the binding units of privqa._core (docs/python.md): how core
// errors become Python exceptions, and each unit's registration function.
#pragma once

#include <pybind11/pybind11.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>

#include "privqa/base/result.h"

namespace privqa::python {

namespace py = pybind11;

// privqa.Error: a failure of the engine that is not bad input (a damaged
// store, an unreadable file).
struct EngineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Raises FileNotFoundError with the core's message when `path` does not
// exist, else privqa.Error; the message is the one the command line prints.
[[noreturn]] void raise_for_path(const std::filesystem::path& path, const Error& error);

template <class T>
T value_or_raise(Result<T> result, const std::filesystem::path& path) {
  if (!result.ok()) raise_for_path(path, result.error());
  return std::move(result).value();
}

void bind_embeddings(py::module_& m);
void bind_mechanism(py::module_& m);
void bind_runs(py::module_& m);

}  // namespace privqa::python
