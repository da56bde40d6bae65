#include "privqa/sim/simulator.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <boost/beast/core/detail/base64.hpp>
#include <cmath>

#include "privqa/base/strings.h"
#include "privqa/sim/hashed_embedding.h"
#include "privqa/sim/prompt.h"
#include "privqa/sim/reconstruction.h"
#include "privqa/sim/replies.h"

namespace privqa::sim {

namespace {

using nlohmann::json;

constexpr size_t kDefaultEmbeddingDims = 256;
constexpr size_t kMaxEmbeddingDims = 4096;
constexpr int64_t kMaxChoices = 128;
constexpr size_t kTokensPerMessage = 4;  // role and framing overhead, as chat formats add

SimReply error_reply(unsigned status, std::string_view message, std::string_view type,
                     std::string_view code = {}) {
  SimReply reply;
  reply.status = status;
  reply.body = error_body(message, type, code);
  return reply;
}

SimReply invalid(std::string_view message) {
  return error_reply(400, message, "invalid_request_error");
}

// The message text: a string, null, or an array of {"type":"text","text":...} parts.
Result<std::string> message_text(const json& content, size_t index) {
  if (content.is_null()) return std::string();
  if (content.is_string()) return content.get<std::string>();
  if (content.is_array()) {
    std::string text;
    for (const json& part : content) {
      if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
          !part["text"].is_string()) {
        return Error(fmt::format("messages[{}].content: only text parts are supported", index));
      }
      text += part["text"].get<std::string>();
    }
    return text;
  }
  return Error(fmt::format("messages[{}].content must be a string or an array of parts", index));
}

Result<std::vector<ChatMessage>> parse_messages(const json& request) {
  if (!request.contains("messages") || !request["messages"].is_array() ||
      request["messages"].empty()) {
    return Error("'messages' must be a non-empty array");
  }
  std::vector<ChatMessage> messages;
  for (size_t i = 0; i < request["messages"].size(); ++i) {
    const json& m = request["messages"][i];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
      return Error(fmt::format("messages[{}] must be an object with a string 'role'", i));
    }
    auto text = message_text(m.value("content", json()), i);
    if (!text) return text.error();
    messages.push_back({m["role"].get<std::string>(), std::move(*text)});
  }
  return messages;
}

// A positive integer field, or `fallback` when absent or null.
Result<int64_t> positive_integer(const json& request, const char* key, int64_t fallback,
                                 int64_t max) {
  if (!request.contains(key) || request[key].is_null()) return fallback;
  const json& v = request[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > max) {
    return Error(fmt::format("'{}' must be an integer in [1, {}]", key, max));
  }
  return v.get<int64_t>();
}

Result<std::vector<std::string>> stop_sequences(const json& request) {
  if (!request.contains("stop") || request["stop"].is_null()) return std::vector<std::string>{};
  const json& stop = request["stop"];
  if (stop.is_string()) return std::vector<std::string>{stop.get<std::string>()};
  if (stop.is_array() &&
      std::all_of(stop.begin(), stop.end(), [](const json& s) { return s.is_string(); })) {
    return stop.get<std::vector<std::string>>();
  }
  return Error("'stop' must be a string or an array of strings");
}

// Cuts `text` at the first stop sequence, then to `max_tokens` tokens (on a
// UTF-8 boundary); returns the OpenAI finish_reason.
const char* apply_limits(std::string& text, const std::vector<std::string>& stops,
                         int64_t max_tokens) {
  for (const std::string& stop : stops) {
    if (stop.empty()) continue;
    const size_t pos = text.find(stop);
    if (pos != std::string::npos) text.resize(pos);
  }
  const size_t max_bytes = static_cast<size_t>(max_tokens) * 4;
  if (text.size() <= max_bytes) return "stop";
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  text.resize(cut);
  return "length";
}

std::string reply_id(const char* prefix, uint64_t seed, std::string_view body) {
  return fmt::format("{}-sim-{:016x}", prefix,
                     XXH3_64bits_withSeed(body.data(), body.size(), seed));
}

std::string base64_floats(const std::vector<float>& values) {
  namespace b64 = boost::beast::detail::base64;
  const size_t bytes = values.size() * sizeof(float);  // little-endian float32, as OpenAI sends
  std::string out(b64::encoded_size(bytes), '\0');
  out.resize(b64::encode(out.data(), values.data(), bytes));
  return out;
}

}  // namespace

std::string error_body(std::string_view message, std::string_view type, std::string_view code) {
  json error = {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
  if (!code.empty()) error["code"] = code;
  return json{{"error", error}}.dump();
}

Result<std::unique_ptr<Simulator>> Simulator::create(const SimOptions& options) {
  ProfileMap profiles = builtin_profiles();
  if (!options.profiles_path.empty()) {
    auto loaded = load_profiles(options.profiles_path);
    if (!loaded) return loaded.error();
    for (auto& [name, profile] : *loaded)
      profiles[name] = profile;
  }
  if (!(options.time_scale >= 0)) {
    return Error(fmt::format("time scale {} must be >= 0", options.time_scale));
  }
  return std::unique_ptr<Simulator>(new Simulator(options, std::move(profiles)));
}

Simulator::Simulator(const SimOptions& options, ProfileMap profiles)
    : questions_(options.questions),
      index_(questions_),
      profiles_(std::move(profiles)),
      seed_(options.seed),
      time_scale_(options.time_scale) {}

double Simulator::latency(const Profile& profile, size_t output_tokens, Draw draw,
                          uint64_t arrival) const {
  if (arrival > 0) draw.with(arrival);
  const double ms =
      profile.latency_base_ms + profile.latency_per_token_ms * static_cast<double>(output_tokens);
  return ms / 1000.0 * std::exp(profile.latency_jitter_sigma * draw.normal()) * time_scale_;
}

SimReply Simulator::handle(std::string_view method, std::string_view path, std::string_view body,
                           uint64_t arrival) const {
  if (path == "/health") {
    if (method != "GET") return error_reply(405, "use GET", "invalid_request_error");
    return {200, json{{"status", "ok"}, {"simulated", true}}.dump()};
  }
  if (path == "/v1/models" || path.starts_with("/v1/models/")) {
    if (method != "GET") return error_reply(405, "use GET", "invalid_request_error");
    auto model_object = [](const std::string& name) {
      return json{{"id", name}, {"object", "model"}, {"created", 0}, {"owned_by", "privqa-sim"}};
    };
    if (path == "/v1/models") {
      json data = json::array();
      for (const auto& [name, profile] : profiles_)
        data.push_back(model_object(name));
      return {200, json{{"object", "list"}, {"data", data}}.dump()};
    }
    const std::string name(path.substr(std::string_view("/v1/models/").size()));
    if (profiles_.count(name) == 0) {
      return error_reply(404, fmt::format("The model '{}' does not exist", name),
                         "invalid_request_error", "model_not_found");
    }
    return {200, model_object(name).dump()};
  }
  const bool is_chat = path == "/v1/chat/completions";
  if (!is_chat && path != "/v1/embeddings") {
    return error_reply(404, fmt::format("Unknown path {}", path), "invalid_request_error",
                       "unknown_url");
  }
  if (method != "POST") return error_reply(405, "use POST", "invalid_request_error");

  json request = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return invalid("We could not parse the JSON body of your request.");
  if (!request.is_object()) return invalid("The request body must be a JSON object.");
  SimReply reply;
  if (!request.contains("model") || !request["model"].is_string()) {
    reply = invalid("'model' must be a string");
  } else if (const auto it = profiles_.find(request["model"].get<std::string>());
             it == profiles_.end()) {
    reply = error_reply(
        404, fmt::format("The model '{}' does not exist", request["model"].get<std::string>()),
        "invalid_request_error", "model_not_found");
  } else {
    try {
      reply = is_chat ? chat(request, it->second, body, arrival)
                      : embeddings(request, it->second, body, arrival);
      reply.profile = &it->second;
    } catch (const json::exception& e) {  // a field of the wrong type
      reply = invalid(fmt::format("invalid request: {}", e.what()));
    }
  }
  reply.request = std::move(request);
  return reply;
}

std::vector<std::string> Simulator::choice_texts(const PromptAnalysis& prompt, size_t n,
                                                 double temperature, const Draw& draw,
                                                 const Profile& profile) const {
  std::vector<std::string> texts;
  if (prompt.kind == RequestKind::kParaphrase) {
    const size_t per_reply = static_cast<size_t>(prompt.paraphrases_per_reply);
    Draw paraphrase_draw = draw;
    const auto lines = paraphraser_.variants(prompt.paraphrase_source, n * per_reply,
                                             paraphrase_draw.with("para"), temperature);
    for (size_t i = 0; i < n; ++i) {
      std::string text;
      for (size_t j = 0; j < per_reply; ++j)
        text += (j ? "\n" : "") + lines[i * per_reply + j];
      texts.push_back(std::move(text));
    }
    return texts;
  }
  const Recognition match = index_.recognize(prompt.question_text);
  const Question* recognized = match.question >= 0 ? &questions_[match.question] : nullptr;
  for (size_t i = 0; i < n; ++i) {
    Draw choice_draw = draw;
    choice_draw.with(i);
    if (prompt.kind == RequestKind::kReconstruct) {
      texts.push_back(
          reconstruction_reply(profile, prompt, recognized, match.confidence, choice_draw));
    } else if (prompt.kind == RequestKind::kAnswer) {
      const int choice = choose_answer(profile, prompt, recognized, match.confidence, choice_draw);
      texts.push_back(word_answer(prompt, choice, choice_draw));
    } else {
      texts.push_back(
          write_chain_of_thought(profile, prompt, recognized, match.confidence, choice_draw));
    }
  }
  return texts;
}

SimReply Simulator::chat(const json& request, const Profile& profile, std::string_view body,
                         uint64_t arrival) const {
  if (request.value("stream", false)) return invalid("'stream' is not supported by the simulator");
  auto messages = parse_messages(request);
  if (!messages) return invalid(messages.error().message());
  auto n = positive_integer(request, "n", 1, kMaxChoices);
  if (!n) return invalid(n.error().message());
  const char* limit_key =
      request.contains("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
  auto max_tokens = positive_integer(request, limit_key, 1 << 20, 1 << 20);
  if (!max_tokens) return invalid(max_tokens.error().message());
  auto stops = stop_sequences(request);
  if (!stops) return invalid(stops.error().message());
  double temperature = Paraphraser::kReferenceTemperature;
  if (request.contains("temperature")) {
    const json& t = request["temperature"];
    if (!t.is_number() || t.get<double>() < 0) {
      return invalid("'temperature' must be a number >= 0");
    }
    temperature = t.get<double>();
  }

  size_t prompt_tokens = 0;
  for (const ChatMessage& m : *messages)
    prompt_tokens += estimate_tokens(m.content) + kTokensPerMessage;

  Draw draw;
  draw.with(seed_).with(profile.name).with(body);
  const PromptAnalysis prompt = analyze_prompt(*messages);
  std::vector<std::string> texts =
      choice_texts(prompt, static_cast<size_t>(*n), temperature, draw, profile);

  json choices = json::array();
  size_t completion_tokens = 0;
  size_t longest = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const char* finish = apply_limits(texts[i], *stops, *max_tokens);
    const size_t tokens = estimate_tokens(texts[i]);
    completion_tokens += tokens;
    longest = std::max(longest, tokens);
    choices.push_back({{"index", i},
                       {"message", {{"role", "assistant"}, {"content", texts[i]}}},
                       {"logprobs", nullptr},
                       {"finish_reason", finish}});
  }
  SimReply reply;
  reply.body = json{{"id", reply_id("chatcmpl", seed_, body)},
                    {"object", "chat.completion"},
                    {"created", 0},
                    {"model", profile.name},
                    {"system_fingerprint", "privqa-sim"},
                    {"choices", choices},
                    {"usage",
                     {{"prompt_tokens", prompt_tokens},
                      {"completion_tokens", completion_tokens},
                      {"total_tokens", prompt_tokens + completion_tokens}}}}
                   .dump();
  reply.tokens = static_cast<double>(prompt_tokens + completion_tokens);
  reply.latency_seconds = latency(profile, longest, draw.with("latency"), arrival);
  return reply;
}

SimReply Simulator::embeddings(const json& request, const Profile& profile, std::string_view body,
                               uint64_t arrival) const {
  std::vector<std::string> inputs;
  const json input = request.value("input", json());
  if (input.is_string()) {
    inputs.push_back(input.get<std::string>());
  } else if (input.is_array() && !input.empty() &&
             std::all_of(input.begin(), input.end(), [](const json& s) { return s.is_string(); })) {
    inputs = input.get<std::vector<std::string>>();
  } else {
    return invalid("'input' must be a string or a non-empty array of strings");
  }
  auto dims = positive_integer(request, "dimensions", kDefaultEmbeddingDims, kMaxEmbeddingDims);
  if (!dims) return invalid(dims.error().message());
  const std::string format = request.value("encoding_format", "float");
  if (format != "float" && format != "base64") {
    return invalid("'encoding_format' must be \"float\" or \"base64\"");
  }
  json data = json::array();
  size_t tokens = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto vector = hashed_embedding(inputs[i], static_cast<size_t>(*dims));
    tokens += estimate_tokens(inputs[i]);
    data.push_back(
        {{"object", "embedding"},
         {"index", i},
         {"embedding", format == "base64" ? json(base64_floats(vector)) : json(vector)}});
  }
  SimReply reply;
  reply.body = json{{"object", "list"},
                    {"data", data},
                    {"model", profile.name},
                    {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}}
                   .dump();
  reply.tokens = static_cast<double>(tokens);
  Draw draw;
  draw.with(seed_).with(profile.name).with(body).with("latency");
  reply.latency_seconds = latency(profile, 0, draw, arrival);
  return reply;
}

}  // namespace privqa::sim
