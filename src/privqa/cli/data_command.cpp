#include "privqa/cli/commands.h"

namespace privqa::cli {
void register_data_command(CLI::App& app, int& exit_code) {
  (void)app;
  (void)exit_code;
}
}  // namespace privqa::cli
