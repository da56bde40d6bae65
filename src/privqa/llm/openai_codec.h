// The OpenAI-compatible wire format: chat completions and embeddings requests
// and responses as JSON, which every supported provider and the simulator
// speak (docs/sim.md, "Endpoints"). Decoding never throws: a body that is
// malformed, truncated or of an unexpected shape becomes an Error naming the
// provider and quoting the start of the body.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/base/result.h"

namespace privqa {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

struct ChatRequest {
  std::vector<ChatMessage> messages;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> max_tokens;
  std::optional<int> n;  // choices per request
  std::optional<int64_t> seed;
  std::vector<std::string> stop;
  bool logprobs = false;
  std::optional<int> top_logprobs;
  // Further body fields, sent as given; they override every other field.
  nlohmann::json extra = nlohmann::json::object();
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  // The reply had no usage (some OpenAI-compatible servers omit it): the
  // client fills in estimate_tokens() (base/strings.h) of the texts.
  bool estimated = false;
};

struct TokenLogprob {
  std::string token;
  double logprob = 0;
  std::vector<std::pair<std::string, double>> top;  // alternatives, as the provider ranks them
};

struct ChatChoice {
  std::string content;        // "" when the provider sent null content
  std::string finish_reason;  // "stop", "length", ... or "" when absent
  std::vector<TokenLogprob> logprobs;
};

struct ChatResponse {
  std::string model;
  std::string system_fingerprint;   // "" when absent; privqa's simulator sends "privqa-sim"
  std::vector<ChatChoice> choices;  // in index order
  Usage usage;
};

struct EmbeddingRequest {
  std::vector<std::string> inputs;
  nlohmann::json extra = nlohmann::json::object();
};

struct EmbeddingResponse {
  std::vector<std::vector<float>> vectors;  // one per input, in input order
  Usage usage;
};

// What an error body says ({"error": {"message", "type", "code"}}); fields
// are empty when the body has another shape.
struct ProviderError {
  std::string message;
  std::string type;
  std::string code;
};

// Request bodies. Fields come in this order of precedence (later wins):
// provider_extra, the standard fields, request.extra.
nlohmann::json encode_chat_request(const ChatRequest& request, std::string_view model,
                                   const nlohmann::json& provider_extra);
nlohmann::json encode_embedding_request(const EmbeddingRequest& request, std::string_view model,
                                        const nlohmann::json& provider_extra);

// Serializes a body; invalid UTF-8 in strings is replaced, never thrown on.
std::string to_body(const nlohmann::json& body);

Result<ChatResponse> decode_chat_response(std::string_view provider, std::string_view body);
Result<EmbeddingResponse> decode_embedding_response(std::string_view provider,
                                                    std::string_view body,
                                                    std::size_t expected_count);
ProviderError decode_provider_error(std::string_view body);

// The first `max_bytes` of a body for an error message: valid UTF-8, control
// characters escaped, "..." when cut.
std::string body_snippet(std::string_view body, std::size_t max_bytes = 200);

}  // namespace privqa
