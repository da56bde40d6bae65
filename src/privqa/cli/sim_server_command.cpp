// privqa sim-server: serve the simulated OpenAI-compatible provider until
// SIGINT or SIGTERM. Everything obtained from it is SIMULATED.
#include <fmt/format.h>
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "privqa/cli/commands.h"
#include "privqa/cli/dataset_options.h"
#include "privqa/data/dataset.h"
#include "privqa/sim/sim_server.h"

namespace privqa::cli {

namespace {

struct SimServerArgs {
  std::string dataset;
  DatasetOptionArgs dataset_options;
  std::string profiles;
  std::string log;
  std::string bind = "127.0.0.1";
  uint16_t port = 0;
  uint64_t seed = 0;
  double time_scale = 1.0;
  int max_concurrency = 0;
  bool allow_remote = false;
  FaultRates faults;
  std::vector<std::string> quota;  // MODEL=N
  std::string api_key_env;
  bool omit_usage = false;
  bool no_limit_headers = false;
};

int run_sim_server(const SimServerArgs& a) {
  auto load = dataset_load_options(a.dataset_options);
  if (!load) {
    std::cerr << "privqa sim-server: " << load.error().message() << "\n";
    return 2;
  }
  auto dataset = load_dataset(a.dataset, *load);
  if (!dataset) {
    std::cerr << "privqa sim-server: " << dataset.error().message() << "\n";
    return 2;
  }
  SimOptions options;
  options.questions = std::move(dataset->questions);
  options.profiles_path = a.profiles;
  options.faults = a.faults;
  options.seed = a.seed;
  options.log_path = a.log;
  options.bind_address = a.bind;
  options.port = a.port;
  options.time_scale = a.time_scale;
  options.max_concurrency = a.max_concurrency;
  options.allow_remote = a.allow_remote;
  options.omit_usage = a.omit_usage;
  options.limit_headers = !a.no_limit_headers;
  if (!a.api_key_env.empty()) {
    const char* key = std::getenv(a.api_key_env.c_str());
    if (key == nullptr || *key == '\0') {
      std::cerr << "privqa sim-server: --api-key-env: environment variable " << a.api_key_env
                << " is not set\n";
      return 2;
    }
    options.api_key = key;
  }
  for (const std::string& entry : a.quota) {
    const size_t eq = entry.find('=');
    int64_t count = -1;
    if (eq != std::string::npos && eq > 0) {
      const char* last = entry.data() + entry.size();
      const auto [end, ec] = std::from_chars(entry.data() + eq + 1, last, count);
      if (ec != std::errc() || end != last) count = -1;
    }
    if (count < 0) {
      std::cerr << "privqa sim-server: --quota: '" << entry
                << "' is not MODEL=N (N requests answered, N >= 0)\n";
      return 2;
    }
    options.quota[entry.substr(0, eq)] = count;
  }

  // Block the stop signals before the server thread starts, so it inherits the
  // mask and only this thread receives them (in sigwait below).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto server = SimServer::start(std::move(options));
  if (!server) {
    std::cerr << "privqa sim-server: " << server.error().message() << "\n";
    return 2;
  }
  const bool ipv6 = a.bind.find(':') != std::string::npos;
  std::cout << fmt::format("listening on http://{}:{}/v1", ipv6 ? "[" + a.bind + "]" : a.bind,
                           (*server)->port())
            << std::endl;
  std::cerr << "privqa sim-server: serving SIMULATED models over " << dataset->path.string()
            << "; stop with Ctrl-C\n";
  int received = 0;
  sigwait(&stop_signals, &received);
  (*server)->stop();
  std::cerr << "privqa sim-server: stopped\n";
  return 0;
}

}  // namespace

void register_sim_server_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SimServerArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sim-server",
      "serve simulated models (an OpenAI-compatible provider on loopback; results are SIMULATED)");
  cmd->add_option("--dataset", args->dataset, "question file the simulated models know")
      ->required();
  add_dataset_options(cmd, args->dataset_options, "--dataset");
  cmd->add_option("--port", args->port, "TCP port; 0 picks a free one")->capture_default_str();
  cmd->add_option("--profiles", args->profiles, "TOML file of [profile.NAME] model profiles");
  cmd->add_option("--seed", args->seed, "seed of every simulated draw")->capture_default_str();
  cmd->add_option("--log", args->log, "request log (JSON Lines)");
  cmd->add_flag("--no-limit-headers", args->no_limit_headers,
                "do not state the models' limits (x-ratelimit-limit-requests, -tokens)");
  cmd->add_flag("--no-usage", args->omit_usage,
                "leave \"usage\" out of replies, as some OpenAI-compatible servers do");
  cmd->add_option("--api-key-env", args->api_key_env,
                  "require the key in this environment variable; answer other API calls 401, "
                  "quoting the key they sent");
  cmd->add_option("--max-concurrency", args->max_concurrency,
                  "answers worked on at once (a model server's slots); others queue; 0 = no bound")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--time-scale", args->time_scale, "multiplies simulated latencies (0 = none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  const auto probability = CLI::Range(0.0, 1.0);
  cmd->add_option("--fault-429", args->faults.rate_429, "share of requests answered 429")
      ->check(probability);
  cmd->add_option("--fault-500", args->faults.rate_500, "share answered 500")->check(probability);
  cmd->add_option("--fault-503", args->faults.rate_503, "share answered 503")->check(probability);
  cmd->add_option("--fault-reset", args->faults.reset, "share whose connection is reset")
      ->check(probability);
  cmd->add_option("--fault-stall", args->faults.stall, "share held for --stall-seconds")
      ->check(probability);
  cmd->add_option("--fault-malformed", args->faults.malformed, "share answered with broken JSON")
      ->check(probability);
  cmd->add_option("--stall-seconds", args->faults.stall_seconds, "how long a stall lasts")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--fault-retry-after", args->faults.retry_after_seconds,
                  "the wait an injected 429 asks for, in seconds")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--opening-429s", args->faults.opening_429s,
                  "answer the first N API calls 429, as a provider answers an opening burst")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--quota", args->quota,
                  "MODEL=N: after N answered requests every further one to MODEL gets 429 "
                  "insufficient_quota (repeatable)");
  cmd->add_option("--bind", args->bind, "address to listen on (loopback unless --allow-remote)")
      ->capture_default_str();
  cmd->add_flag("--allow-remote", args->allow_remote,
                "permit a non-loopback --bind address (exposes the simulator to the network)");
  cmd->callback([args, &exit_code] { exit_code = run_sim_server(*args); });
}

}  // namespace privqa::cli
