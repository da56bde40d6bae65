// ChatModel: what the runner needs of a provider. The runner's pipeline talks
// to its local and remote models through this interface only, so it runs the
// same against providers over HTTP (LlmClient) and against a scripted model
// in-process (tests).
//
// Threading: chat() and embed() run on the run's event-loop thread, as do
// config() and counters().
#pragma once

#include <memory>

#include "privqa/base/asio.h"
#include "privqa/llm/llm_client.h"

namespace privqa {

class ChatModel {
 public:
  virtual ~ChatModel() = default;
  // One chat call. Failures are values (ChatOutcome::result), with their
  // kind; a kQuota or kDown failure pauses the provider for the rest of the
  // run.
  virtual asio::awaitable<ChatOutcome> chat(ChatRequest request, CallOptions options) = 0;
  // One /v1/embeddings call: sentence vectors for PhraseDP's similarities.
  // Failures as for chat().
  virtual asio::awaitable<EmbeddingOutcome> embed(EmbeddingRequest request,
                                                  CallOptions options) = 0;
  virtual const ProviderConfig& config() const = 0;
  virtual ProviderCounters counters() const = 0;
  // The share of the provider's rate limits this run may spend
  // (LlmClient::set_limit_share); a model without limits ignores it.
  virtual void set_limit_share(double /*share*/) {}
  // LlmClient::longest_waiting_chain and set_last_stretch; a model that
  // holds no call back and never hedges has neither.
  virtual int longest_waiting_chain() const { return -1; }
  virtual void set_last_stretch() {}
};

// A ChatModel over an LlmClient: the provider over HTTP, with its limits,
// retries and response cache.
std::unique_ptr<ChatModel> client_model(std::unique_ptr<LlmClient> client);

}  // namespace privqa
