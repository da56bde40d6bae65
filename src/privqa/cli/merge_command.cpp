// privqa merge OUT IN...: one store from the stores of a run's shards.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <vector>

#include "privqa/cli/commands.h"
#include "privqa/store/merge_stores.h"

namespace privqa::cli {

namespace {

struct MergeArgs {
  std::string out;
  std::vector<std::string> inputs;
};

int merge(const MergeArgs& a) {
  auto summary = merge_stores(a.out, a.inputs);
  if (!summary) {
    std::cerr << "privqa: " << summary.error().message() << "\n";
    return 1;
  }
  std::cout << fmt::format("merged {} stores into {}: {} cells ({} found in two inputs)\n",
                           a.inputs.size(), a.out, summary->cells, summary->duplicates);
  if (!summary->missing_shards.empty()) {
    std::cout << fmt::format(
        "no input holds shard {}: their cells are missing; `privqa run CONFIG --output {}` "
        "runs them\n",
        fmt::join(summary->missing_shards, ", "), a.out);
  }
  return 0;
}

}  // namespace

void register_merge_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<MergeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "merge", "Join the stores of a run's shards (privqa run --shard I/N) into one store");
  cmd->add_option("OUT", args->out, "the merged store: a new SQLite file")->required();
  cmd->add_option("IN", args->inputs, "the shards' stores (paths or postgresql:// URLs)")
      ->required();
  cmd->callback([args, &exit_code] { exit_code = merge(*args); });
}

}  // namespace privqa::cli
