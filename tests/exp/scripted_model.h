// A ChatModel for in-process runs (tests only): it records every request it
// receives and answers with what a script says, without any HTTP.
#pragma once

#include <cctype>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/base/asio.h"
#include "privqa/exp/model.h"

namespace privqa::testing {

// One request as a scripted model received it.
struct ScriptedCall {
  std::string provider;  // ProviderConfig::name of the model called
  std::string system;    // the system message, "" when none was sent
  std::string user;      // the user message
  ChatRequest request;
  CallOptions options;
  std::optional<EmbeddingRequest> embedding;  // set for an embed() call, which has no `request`
};

// A scripted model's sentence vector: counts of a few letters, so that texts
// sharing words tend to point alike, and any test can recompute it.
inline std::vector<float> scripted_vector(const std::string& text) {
  const std::string_view letters = "aeio";
  std::vector<float> v(letters.size(), 0.0f);
  for (char c : text) {
    const size_t at = letters.find(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (at != std::string_view::npos) ++v[at];
  }
  return v;
}

// The script's reply: a list of choices, or a failure of a kind.
inline ChatOutcome scripted_reply(const std::vector<std::string>& choices,
                                  const ScriptedCall& call) {
  ChatResponse response;
  response.model = call.provider;
  for (const auto& text : choices)
    response.choices.push_back({.content = text});
  // Distinct, checkable usage: prompt tokens = characters of the user
  // message, completion tokens = characters of the replies.
  response.usage.prompt_tokens = static_cast<int64_t>(call.user.size());
  for (const auto& text : choices)
    response.usage.completion_tokens += static_cast<int64_t>(text.size());
  ChatOutcome out;
  out.result = std::move(response);
  out.attempts = 1;
  return out;
}

inline ChatOutcome scripted_failure(FailureKind kind, const std::string& message) {
  ChatOutcome out;
  out.result = Error(message);
  out.failure = kind;
  out.attempts = 1;
  return out;
}

class ScriptedModel final : public ChatModel {
 public:
  using Script = std::function<ChatOutcome(const ScriptedCall&)>;

  // Appends each request to `log` (shared by the models of a run, so it
  // shows the order across them); `log` must outlive the model.
  ScriptedModel(std::string name, std::vector<ScriptedCall>& log, Script script)
      : log_(log), script_(std::move(script)) {
    config_.name = std::move(name);
    config_.model = "scripted-" + config_.name;
  }

  asio::awaitable<ChatOutcome> chat(ChatRequest request, CallOptions options) override {
    ScriptedCall call{.provider = config_.name, .request = std::move(request), .options = options};
    for (const auto& m : call.request.messages)
      (m.role == "system" ? call.system : call.user) = m.content;
    log_.push_back(call);
    ++counters_.calls;
    ++counters_.requests;
    // Yield once, as a real provider would: other cells run meanwhile.
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    ChatOutcome out = script_(call);
    if (out.result.ok()) {
      counters_.tokens_in += out.result->usage.prompt_tokens;
      counters_.tokens_out += out.result->usage.completion_tokens;
    } else {
      ++counters_.failures;
    }
    co_return out;
  }
  // Vectors from scripted_vector(); usage: one prompt token per input character.
  asio::awaitable<EmbeddingOutcome> embed(EmbeddingRequest request, CallOptions options) override {
    ScriptedCall call{.provider = config_.name, .options = options, .embedding = request};
    log_.push_back(call);
    ++counters_.calls;
    ++counters_.requests;
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    EmbeddingResponse response;
    for (const auto& input : request.inputs) {
      response.vectors.push_back(scripted_vector(input));
      response.usage.prompt_tokens += static_cast<int64_t>(input.size());
    }
    counters_.tokens_in += response.usage.prompt_tokens;
    EmbeddingOutcome out;
    out.result = std::move(response);
    out.attempts = 1;
    co_return out;
  }
  const ProviderConfig& config() const override { return config_; }
  ProviderCounters counters() const override { return counters_; }
  void set_last_stretch() override {
    if (!last_stretch_at_) last_stretch_at_ = log_.size();
  }
  // How many requests the log held when the run said its last stretch had
  // begun (ChatModel::set_last_stretch); nullopt until then.
  std::optional<size_t> last_stretch_at() const { return last_stretch_at_; }

 private:
  ProviderConfig config_;
  std::vector<ScriptedCall>& log_;
  Script script_;
  ProviderCounters counters_;
  std::optional<size_t> last_stretch_at_;
};

}  // namespace privqa::testing
