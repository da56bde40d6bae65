// Everything a report reads about one run: the store's record, cells and
// session meta, plus the run's dataset reloaded from its recorded path (for
// subjects and the original texts the privacy metrics compare against).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/data/question.h"
#include "privqa/store/cell.h"

namespace privqa::report {

struct RunData {
  std::filesystem::path store;
  std::string label;  // the store's file name without extension
  std::string fingerprint;
  std::string created_at;
  nlohmann::json config;    // the results identity (exp/run_config.h results_identity_json)
  std::string config_file;  // the config the run was started from
  std::string local_provider, remote_provider;
  std::vector<CellResult> cells;
  nlohmann::json sessions = nlohmann::json::array();  // one entry per `privqa run`
  bool simulated = false;                             // the providers were privqa's simulator

  // The whole dataset file (not only the run's selection); empty when it
  // could not be reloaded, with the reason in `dataset_problem`.
  std::vector<Question> corpus;
  std::string dataset_problem;
};

// Opens the store read-only. A missing or unreadable store, or one without a
// recorded run, is an error; a dataset that cannot be reloaded is not (the
// report then leaves out what needs it).
Result<RunData> load_run(const std::filesystem::path& store);

}  // namespace privqa::report
