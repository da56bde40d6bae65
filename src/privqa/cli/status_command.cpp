// privqa status RUN: progress and accuracy of a run store.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "privqa/cli/commands.h"
#include "privqa/report/accuracy.h"
#include "privqa/store/result_store.h"

namespace privqa::cli {

namespace {

int status(const std::string& path) {
  auto store = open_sqlite_store(path, true);
  if (!store) {
    std::cerr << "privqa: " << store.error().message() << "\n";
    return 2;
  }
  auto run = (*store)->run();
  auto cells = (*store)->cells();
  if (!run || !cells) {
    std::cerr << "privqa: " << (run ? cells.error() : run.error()).message() << "\n";
    return 1;
  }
  if (!*run) {
    std::cout << path << ": no run recorded yet\n";
    return 0;
  }
  const auto info = nlohmann::json::parse((*run)->config_json, nullptr, false);
  const size_t planned = info.is_object() ? info.value("planned_cells", size_t{0}) : 0;
  size_t errors = 0;
  for (const auto& c : *cells)
    errors += c.status == CellStatus::kError;
  std::cout << fmt::format("run {} (created {}, config {})\n", path, (*run)->created_at,
                           info.is_object() ? info.value("config_file", std::string("?")) : "?");
  std::cout << fmt::format("cells: {} of {} stored ({:.1f}%), {} of them errors\n", cells->size(),
                           planned, planned ? 100.0 * cells->size() / planned : 0.0, errors);
  std::cout << "\n" << report::format_accuracy_table(report::accuracy_table(*cells));
  return 0;
}

}  // namespace

void register_status_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("status", "Progress and accuracy of a run");
  cmd->add_option("RUN", *path, "the run's store (the config's output path)")->required();
  cmd->callback([path, &exit_code] { exit_code = status(*path); });
}

}  // namespace privqa::cli
