// privqa: privacy-utility experiments for split LLM inference on medical QA.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "privqa/base/build_info.h"
#include "privqa/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"privqa: privacy-utility experiments for split LLM inference on medical QA"};
  app.set_version_flag("--version", std::string("privqa ") + privqa::build_info::kVersion);
  app.require_subcommand(1);

  int exit_code = 0;
  privqa::cli::register_data_command(app, exit_code);
  privqa::cli::register_chat_command(app, exit_code);
  privqa::cli::register_run_command(app, exit_code);
  privqa::cli::register_status_command(app, exit_code);
  privqa::cli::register_export_command(app, exit_code);
  privqa::cli::register_merge_command(app, exit_code);
  privqa::cli::register_sim_server_command(app, exit_code);
  privqa::cli::register_embed_command(app, exit_code);
  privqa::cli::register_sanitize_command(app, exit_code);
  privqa::cli::register_report_command(app, exit_code);
  privqa::cli::register_attack_command(app, exit_code);

  // Commands run inside parse(), so this also catches what escapes a command.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end here with 0; every usage error exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    // An input no command checked for (e.g. a store edited by hand) or a bug:
    // a message and an exit code instead of std::terminate's abort.
    std::cerr << "privqa: error: " << e.what() << "\n";
    return privqa::cli::kExitUnexpected;
  } catch (...) {
    std::cerr << "privqa: error: unknown exception\n";
    return privqa::cli::kExitUnexpected;
  }
  return exit_code;
}
