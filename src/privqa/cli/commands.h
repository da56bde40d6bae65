// One register function per subcommand file. Each adds its subcommand to the
// app; when the subcommand runs, it stores the process exit code in `exit_code`
// (0 ok, 1 runtime failure, 2 invalid input, 130 `run` interrupted). An
// exception escaping a command is reported by main as "privqa: error: WHAT"
// with kExitUnexpected.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>

namespace privqa::cli {

inline constexpr int kExitUnexpected = 3;

void register_data_command(CLI::App& app, int& exit_code);
void register_chat_command(CLI::App& app, int& exit_code);
void register_run_command(CLI::App& app, int& exit_code);
void register_status_command(CLI::App& app, int& exit_code);
void register_export_command(CLI::App& app, int& exit_code);
void register_merge_command(CLI::App& app, int& exit_code);
void register_sim_server_command(CLI::App& app, int& exit_code);
void register_embed_command(CLI::App& app, int& exit_code);
void register_sanitize_command(CLI::App& app, int& exit_code);
void register_report_command(CLI::App& app, int& exit_code);
void register_attack_command(CLI::App& app, int& exit_code);

// Seconds since `start`, for the timings that commands print.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace privqa::cli
