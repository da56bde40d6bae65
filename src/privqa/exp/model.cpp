#include "privqa/exp/model.h"

namespace privqa {

namespace {

class ClientModel final : public ChatModel {
 public:
  explicit ClientModel(std::unique_ptr<LlmClient> client) : client_(std::move(client)) {}
  // Coroutines, so that the request lives in this frame until the call ends.
  asio::awaitable<ChatOutcome> chat(ChatRequest request, CallOptions options) override {
    co_return co_await client_->chat(request, options);
  }
  asio::awaitable<EmbeddingOutcome> embed(EmbeddingRequest request, CallOptions options) override {
    co_return co_await client_->embed(request, options);
  }
  const ProviderConfig& config() const override { return client_->config(); }
  ProviderCounters counters() const override { return client_->counters(); }
  void set_limit_share(double share) override { client_->set_limit_share(share); }
  int longest_waiting_chain() const override { return client_->longest_waiting_chain(); }
  void set_last_stretch() override { client_->set_last_stretch(); }

 private:
  std::unique_ptr<LlmClient> client_;
};

}  // namespace

std::unique_ptr<ChatModel> client_model(std::unique_ptr<LlmClient> client) {
  return std::make_unique<ClientModel>(std::move(client));
}

}  // namespace privqa
