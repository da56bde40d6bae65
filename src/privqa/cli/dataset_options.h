// The options that say how to read a question file, shared by every command
// that reads one (data, sim-server, sanitize, report): --format, --answer-base
// and --map, with the same meaning as the [dataset] keys of a run config.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "privqa/base/result.h"
#include "privqa/data/dataset.h"

namespace privqa::cli {

struct DatasetOptionArgs {
  std::string format_flag = "--format";  // "--dataset-format" where --format means another thing
  std::string format = "auto";
  int answer_base = -1;  // -1: detect
  std::string mapping;

  // Whether any of the options was given.
  bool given() const { return format != "auto" || answer_base >= 0 || !mapping.empty(); }
};

// Adds args.format_flag, --answer-base and --map to `cmd`; `what` names the
// file they apply to in the help ("the question file").
void add_dataset_options(CLI::App* cmd, DatasetOptionArgs& args, const std::string& what);

// The load options the arguments describe (strict), with advice naming these
// flags; a bad format or mapping is an error naming its flag.
Result<LoadOptions> dataset_load_options(const DatasetOptionArgs& args);

}  // namespace privqa::cli
