// Runs from Python: open a run's store as `privqa report` reads it, and run
// an experiment as `privqa run` does.
#include <pybind11/stl.h>

#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>

#include "privqa/exp/cell_sanitizer.h"
#include "privqa/exp/runner.h"
#include "privqa/report/cell_rows.h"
#include "privqa/report/run_data.h"
#include "privqa/report/run_report.h"
#include "privqa/store/postgres_url.h"
#include "python/src/bindings.h"

namespace privqa::python {
namespace {

// The cells as `privqa export --details` writes them (report/cell_rows.h):
// one JSON array, which the Python layer reads with json.loads.
std::string cells_json(const report::RunData& run) {
  const report::CellRows rows(run);
  const report::RowOptions options{.timing = true, .details = true};
  nlohmann::ordered_json cells = nlohmann::ordered_json::array();
  for (size_t i = 0; i < rows.size(); ++i)
    cells.push_back(rows.row(i, options));
  return cells.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

py::dict accuracy_dict(const report::AccuracyStat& a) {
  py::dict d;
  d["scenario"] = scenario_id(a.scenario);
  d["mechanism"] = a.mechanism;
  // As in the cells: only S3 has an eps.
  d["eps"] = a.mechanism.empty() ? py::object(py::none()) : py::object(py::float_(a.eps));
  d["n"] = a.n;
  d["correct"] = a.correct;
  d["unparsed"] = a.unparsed;
  d["errors"] = a.errors;
  d["accuracy"] = a.accuracy;
  d["ci_low"] = a.ci.low;
  d["ci_high"] = a.ci.high;
  return d;
}

// The store's contents and the report's accuracy table (privacy metrics
// are not computed: they need the embeddings and are `privqa report`'s).
py::dict open_run(const std::string& path) {
  Result<report::RunData> loaded = Error("");
  Result<report::RunReport> built = Error("");
  std::string cells;
  {
    py::gil_scoped_release unlocked;
    loaded = report::load_run(path);
    if (loaded.ok()) {
      report::ReportOptions options;
      options.privacy = false;
      built = report::build_report(*loaded, options);
      cells = cells_json(*loaded);
    }
  }
  // A URL is no file: its errors are the engine's, not FileNotFoundError.
  const report::RunData run =
      value_or_raise(std::move(loaded), is_postgres_url(path) ? std::string() : path);
  if (!built.ok()) throw EngineError(built.error().message());
  py::dict out;
  out["store"] = run.store;
  out["label"] = run.label;
  out["simulated"] = run.simulated;
  out["title"] = built->title;
  out["created_at"] = run.record.created_at;
  out["fingerprint"] = run.record.fingerprint;
  out["config_json"] = run.record.config.dump();
  out["cells_json"] = cells;
  py::list accuracy;
  for (const report::AccuracyStat& a : built->accuracy)
    accuracy.append(accuracy_dict(a));
  out["accuracy"] = accuracy;
  out["notes"] = built->notes;
  return out;
}

py::dict run(const std::string& config_path, const RunOverrides& overrides, bool quiet) {
  auto config = load_run_config(config_path);
  if (!config.ok()) {
    if (!std::filesystem::exists(config_path)) raise_for_path(config_path, config.error());
    throw py::value_error(config.error().message());
  }
  // The question file's load options are config keys, as for `privqa run`.
  config->dataset.load.setting_names = {"[dataset] format", "[dataset] map",
                                        "[dataset] answer_base",
                                        "with [dataset] skip_bad_records = true"};
  if (Status s = apply_overrides(overrides, *config); !s)
    throw py::value_error(s.error().message());
  if (Status s = check_mechanisms(*config); !s) throw py::value_error(s.error().message());
  RunOptions options;
  options.progress = quiet ? nullptr : &std::cerr;
  // The runner stops on SIGINT after the cells in flight (a second one
  // abandons them); Python's own handler comes back afterwards.
  struct sigaction python_int {};
  struct sigaction python_term {};
  sigaction(SIGINT, nullptr, &python_int);
  sigaction(SIGTERM, nullptr, &python_term);
  Result<RunSummary> summary = Error("");
  {
    py::gil_scoped_release unlocked;
    summary = run_experiment(*config, options);
  }
  sigaction(SIGINT, &python_int, nullptr);
  sigaction(SIGTERM, &python_term, nullptr);
  if (!summary.ok()) throw EngineError(summary.error().message());
  if (summary->interrupted) {
    PyErr_SetString(PyExc_KeyboardInterrupt,
                    "interrupted: the cells in flight were stored; run again to resume");
    throw py::error_already_set();
  }
  py::dict out;
  out["output"] = config->output;
  out["cells_planned"] = summary->cells_planned;
  out["cells_already_done"] = summary->cells_already_done;
  out["cells_ok"] = summary->cells_ok;
  out["cells_error"] = summary->cells_error;
  out["cells_not_run"] = summary->cells_not_run;
  out["wall_seconds"] = summary->wall_seconds;
  out["paused"] = summary->paused;
  return out;
}

}  // namespace

void bind_runs(py::module_& m) {
  m.def("open_run", &open_run, py::arg("path"));
  m.def(
      "run",
      [](const std::string& config_path, const std::string& dataset, size_t limit,
         const std::string& output, int window, const std::string& cache, const std::string& shard,
         bool quiet) {
        return run(config_path, RunOverrides{dataset, limit, output, window, cache, shard}, quiet);
      },
      py::arg("config_path"), py::arg("dataset") = "", py::arg("limit") = 0, py::arg("output") = "",
      py::arg("window") = 0, py::arg("cache") = "", py::arg("shard") = "",
      py::arg("quiet") = false);
}

}  // namespace privqa::python
