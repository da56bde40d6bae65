// privqa chat --provider NAME [--config FILE] "prompt": one chat request to a
// configured provider, printing the reply — a manual check of a provider's
// URL, model, key variable and limits before a run. Nothing is cached.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <optional>

#include "privqa/base/asio.h"
#include "privqa/cli/commands.h"
#include "privqa/llm/http_engine.h"
#include "privqa/llm/llm_client.h"
#include "privqa/llm/provider_config.h"

namespace privqa::cli {

namespace {

struct ChatArgs {
  std::string provider;
  std::string config = "privqa.toml";
  std::string prompt;
  std::string system;
  std::optional<double> temperature;
  std::optional<int> max_tokens;
  bool verbose = false;
};

int run_chat(const ChatArgs& a) {
  Result<ProviderConfig> config = load_provider_config(a.config, a.provider);
  if (!config) {
    std::cerr << "privqa chat: " << config.error().message() << "\n";
    return 2;
  }
  asio::io_context io;
  HttpEngine engine(io);
  Result<std::unique_ptr<LlmClient>> client = LlmClient::create(engine, std::move(*config));
  if (!client) {
    std::cerr << "privqa chat: " << client.error().message() << "\n";
    return 2;
  }
  if (a.verbose) {
    (*client)->set_debug_sink([](std::string_view request) { std::cerr << request; });
  }

  ChatRequest request;
  if (!a.system.empty()) request.messages.push_back({"system", a.system});
  request.messages.push_back({"user", a.prompt});
  request.temperature = a.temperature;
  request.max_tokens = a.max_tokens;

  CallOptions options;
  options.cache = CacheMode::kBypass;
  ChatOutcome outcome;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { outcome = co_await (*client)->chat(request, options); },
      asio::detached);
  io.run();

  if (!outcome.result.ok()) {
    std::cerr << "privqa chat: " << outcome.result.error().message() << " ["
              << failure_kind_name(outcome.failure) << "]\n";
    return 1;
  }
  const ChatResponse& response = outcome.result.value();
  std::cout << response.choices.at(0).content << "\n";
  if (a.verbose) {
    const ProviderCounters& c = (*client)->counters();
    std::cerr << fmt::format(
        "model {}, {} prompt + {} completion tokens, {} attempt(s), cost {:.6f}\n", response.model,
        response.usage.prompt_tokens, response.usage.completion_tokens, outcome.attempts, c.cost);
  }
  return 0;
}

}  // namespace

void register_chat_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ChatArgs>();
  CLI::App* cmd = app.add_subcommand(
      "chat", "Send one prompt to a configured provider and print the reply (a manual check)");
  cmd->add_option("--provider", args->provider, "name of a [providers.NAME] table")->required();
  cmd->add_option("--config", args->config, "TOML file with the provider tables")
      ->capture_default_str();
  cmd->add_option("--system", args->system, "system message");
  cmd->add_option("--temperature", args->temperature, "sampling temperature");
  cmd->add_option("--max-tokens", args->max_tokens, "completion token limit");
  cmd->add_flag("--verbose", args->verbose,
                "print each request sent (Authorization redacted) and the usage to stderr");
  cmd->add_option("prompt", args->prompt, "the user message")->required();
  cmd->callback([args, &exit_code] { exit_code = run_chat(*args); });
}

}  // namespace privqa::cli
