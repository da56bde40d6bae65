#include "privqa/llm/openai_codec.h"

#include <fmt/format.h>

#include <cmath>

#include "privqa/base/utf8.h"

namespace privqa {
namespace {

using json = nlohmann::json;

Error bad_body(std::string_view provider, std::string_view what, std::string_view body) {
  return Error(fmt::format("{}: {}; body: \"{}\"", provider, what, body_snippet(body)));
}

const json* member(const json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

std::string string_member(const json& object, const char* name) {
  const json* v = member(object, name);
  if (v == nullptr) return "";
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number_integer()) return std::to_string(v->get<int64_t>());
  return "";
}

// Parses a body; nullopt (never an exception) when it is not JSON.
std::optional<json> parse(std::string_view body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

Result<Usage> decode_usage(const json& root) {
  Usage usage;
  const json* u = member(root, "usage");
  if (u == nullptr || u->is_null()) {  // some servers omit it
    usage.estimated = true;
    return usage;
  }
  if (!u->is_object()) return Error("'usage' is not an object");
  for (const auto& [name, field] : {std::pair{"prompt_tokens", &usage.prompt_tokens},
                                    std::pair{"completion_tokens", &usage.completion_tokens}}) {
    const json* v = member(*u, name);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_number_integer() || v->get<int64_t>() < 0) {
      return Error(fmt::format("'usage.{}' is not a non-negative integer", name));
    }
    *field = v->get<int64_t>();
  }
  return usage;
}

Result<std::vector<TokenLogprob>> decode_logprobs(const json& choice) {
  std::vector<TokenLogprob> out;
  const json* lp = member(choice, "logprobs");
  if (lp == nullptr || lp->is_null()) return out;
  const json* content = member(*lp, "content");
  if (content == nullptr || content->is_null()) return out;
  if (!content->is_array()) return Error("'logprobs.content' is not an array");
  for (const json& entry : *content) {
    const json* token = member(entry, "token");
    const json* logprob = member(entry, "logprob");
    if (token == nullptr || !token->is_string() || logprob == nullptr || !logprob->is_number()) {
      return Error("a logprobs entry lacks a string 'token' or a numeric 'logprob'");
    }
    TokenLogprob t{token->get<std::string>(), logprob->get<double>(), {}};
    if (const json* top = member(entry, "top_logprobs"); top != nullptr && top->is_array()) {
      for (const json& alt : *top) {
        const json* at = member(alt, "token");
        const json* al = member(alt, "logprob");
        if (at == nullptr || !at->is_string() || al == nullptr || !al->is_number()) {
          return Error("a top_logprobs entry lacks a string 'token' or a numeric 'logprob'");
        }
        t.top.emplace_back(at->get<std::string>(), al->get<double>());
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

// An error object in a 2xx body (some gateways answer errors with 200).
std::optional<std::string> embedded_error(const json& root) {
  const json* e = member(root, "error");
  if (e == nullptr || e->is_null()) return std::nullopt;
  std::string message = e->is_string() ? e->get<std::string>() : string_member(*e, "message");
  return message.empty() ? std::string("an error object") : message;
}

}  // namespace

json encode_chat_request(const ChatRequest& request, std::string_view model,
                         const json& provider_extra) {
  json body = provider_extra.is_object() ? provider_extra : json::object();
  body["model"] = model;
  json messages = json::array();
  for (const ChatMessage& m : request.messages) {
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  body["messages"] = std::move(messages);
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.top_p) body["top_p"] = *request.top_p;
  if (request.max_tokens) body["max_tokens"] = *request.max_tokens;
  if (request.n) body["n"] = *request.n;
  if (request.seed) body["seed"] = *request.seed;
  if (!request.stop.empty()) body["stop"] = request.stop;
  if (request.logprobs) body["logprobs"] = true;
  if (request.top_logprobs) body["top_logprobs"] = *request.top_logprobs;
  if (request.extra.is_object()) body.update(request.extra);
  return body;
}

json encode_embedding_request(const EmbeddingRequest& request, std::string_view model,
                              const json& provider_extra) {
  json body = provider_extra.is_object() ? provider_extra : json::object();
  body["model"] = model;
  body["input"] = request.inputs;
  if (request.extra.is_object()) body.update(request.extra);
  return body;
}

std::string to_body(const json& body) {
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ChatResponse> decode_chat_response(std::string_view provider, std::string_view body) {
  const std::optional<json> parsed = parse(body);
  if (!parsed) return bad_body(provider, "chat response is not valid JSON", body);
  const json& root = *parsed;
  if (!root.is_object()) return bad_body(provider, "chat response is not a JSON object", body);
  if (auto e = embedded_error(root)) {
    return bad_body(provider, fmt::format("chat response carries an error: {}", *e), body);
  }
  const json* choices = member(root, "choices");
  if (choices == nullptr || !choices->is_array() || choices->empty()) {
    return bad_body(provider, "chat response has no 'choices' array", body);
  }
  ChatResponse response;
  response.model = string_member(root, "model");
  response.system_fingerprint = string_member(root, "system_fingerprint");
  response.choices.resize(choices->size());
  std::vector<bool> seen(choices->size(), false);
  for (std::size_t i = 0; i < choices->size(); ++i) {
    const json& c = (*choices)[i];
    if (!c.is_object()) return bad_body(provider, "a chat choice is not an object", body);
    std::size_t index = i;
    if (const json* idx = member(c, "index"); idx != nullptr && !idx->is_null()) {
      if (!idx->is_number_unsigned() || idx->get<std::size_t>() >= choices->size()) {
        return bad_body(provider, "a chat choice has an out-of-range 'index'", body);
      }
      index = idx->get<std::size_t>();
    }
    if (seen[index]) return bad_body(provider, "two chat choices share one 'index'", body);
    seen[index] = true;
    const json* message = member(c, "message");
    if (message == nullptr || !message->is_object()) {
      return bad_body(provider, "a chat choice has no 'message' object", body);
    }
    const json* content = member(*message, "content");
    ChatChoice& choice = response.choices[index];
    if (content != nullptr && content->is_string()) {
      choice.content = content->get<std::string>();
    } else if (content != nullptr && !content->is_null()) {
      return bad_body(provider, "a chat message's 'content' is not a string", body);
    }
    choice.finish_reason = string_member(c, "finish_reason");
    Result<std::vector<TokenLogprob>> logprobs = decode_logprobs(c);
    if (!logprobs) return bad_body(provider, logprobs.error().message(), body);
    choice.logprobs = std::move(logprobs.value());
  }
  Result<Usage> usage = decode_usage(root);
  if (!usage) return bad_body(provider, usage.error().message(), body);
  response.usage = usage.value();
  return response;
}

Result<EmbeddingResponse> decode_embedding_response(std::string_view provider,
                                                    std::string_view body,
                                                    std::size_t expected_count) {
  const std::optional<json> parsed = parse(body);
  if (!parsed) return bad_body(provider, "embeddings response is not valid JSON", body);
  const json& root = *parsed;
  if (!root.is_object()) return bad_body(provider, "embeddings response is not an object", body);
  if (auto e = embedded_error(root)) {
    return bad_body(provider, fmt::format("embeddings response carries an error: {}", *e), body);
  }
  const json* data = member(root, "data");
  if (data == nullptr || !data->is_array()) {
    return bad_body(provider, "embeddings response has no 'data' array", body);
  }
  if (data->size() != expected_count) {
    return bad_body(provider,
                    fmt::format("embeddings response has {} vectors for {} inputs", data->size(),
                                expected_count),
                    body);
  }
  EmbeddingResponse response;
  response.vectors.resize(expected_count);
  std::vector<bool> seen(expected_count, false);
  for (std::size_t i = 0; i < data->size(); ++i) {
    const json& item = (*data)[i];
    std::size_t index = i;
    if (const json* idx = member(item, "index"); idx != nullptr && !idx->is_null()) {
      if (!idx->is_number_unsigned() || idx->get<std::size_t>() >= expected_count) {
        return bad_body(provider, "an embedding has an out-of-range 'index'", body);
      }
      index = idx->get<std::size_t>();
    }
    if (seen[index]) return bad_body(provider, "two embeddings share one 'index'", body);
    seen[index] = true;
    const json* vector = member(item, "embedding");
    if (vector == nullptr || !vector->is_array() || vector->empty()) {
      return bad_body(provider, "an embedding has no numeric 'embedding' array", body);
    }
    std::vector<float>& out = response.vectors[index];
    out.reserve(vector->size());
    for (const json& x : *vector) {
      if (!x.is_number()) return bad_body(provider, "an embedding holds a non-number", body);
      const float value = x.get<float>();
      if (!std::isfinite(value)) {
        return bad_body(provider, "an embedding holds a number beyond float range", body);
      }
      out.push_back(value);
    }
    if (out.size() != response.vectors[0].size() && !response.vectors[0].empty()) {
      return bad_body(provider, "embeddings differ in dimension", body);
    }
  }
  Result<Usage> usage = decode_usage(root);
  if (!usage) return bad_body(provider, usage.error().message(), body);
  response.usage = usage.value();
  return response;
}

ProviderError decode_provider_error(std::string_view body) {
  ProviderError out;
  const std::optional<json> parsed = parse(body);
  if (!parsed) return out;
  const json* e = member(*parsed, "error");
  if (e == nullptr) {
    out.message = string_member(*parsed, "message");  // {"message": ...} shape of some servers
    return out;
  }
  if (e->is_string()) {
    out.message = e->get<std::string>();
    return out;
  }
  out.message = string_member(*e, "message");
  out.type = string_member(*e, "type");
  out.code = string_member(*e, "code");
  return out;
}

std::string body_snippet(std::string_view body, std::size_t max_bytes) {
  std::string cut = snippet(body, max_bytes);
  std::string out;
  out.reserve(cut.size());
  for (const char c : replace_invalid_utf8(cut)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '"') {
      out += "\\\"";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace privqa
