#include "privqa/sim/simulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "privqa/sim/prompt.h"
#include "sim/sim_questions.h"

namespace privqa::sim {
namespace {

using nlohmann::json;

std::unique_ptr<Simulator> make(uint64_t seed = 1, double time_scale = 0) {
  SimOptions options;
  options.questions = testing::sim_test_questions();
  options.seed = seed;
  options.time_scale = time_scale;
  auto sim = Simulator::create(options);
  EXPECT_TRUE(sim.ok());
  return std::move(*sim);
}

std::string chat_body(const std::string& model, const std::string& content, int n = 1) {
  return json{{"model", model}, {"n", n}, {"messages", {{{"role", "user"}, {"content", content}}}}}
      .dump();
}

TEST(Simulator, ChatReplyHasOpenAiShapeAndUsage) {
  const auto sim = make();
  const std::string content =
      "Which nerve is injured in a fracture of the surgical neck of the "
      "humerus? Think step by step.";
  const SimReply reply =
      sim->handle("POST", "/v1/chat/completions", chat_body("sim-local", content));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  const json j = json::parse(reply.body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "sim-local");
  ASSERT_EQ(j["choices"].size(), 1u);
  const std::string text = j["choices"][0]["message"]["content"];
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  // Usage: ceil(bytes / 4) per text, plus 4 tokens of framing per message.
  EXPECT_EQ(j["usage"]["prompt_tokens"], (content.size() + 3) / 4 + 4);
  EXPECT_EQ(j["usage"]["completion_tokens"], (text.size() + 3) / 4);
  EXPECT_EQ(j["usage"]["total_tokens"],
            j["usage"]["prompt_tokens"].get<int>() + j["usage"]["completion_tokens"].get<int>());
  EXPECT_EQ(reply.profile->name, "sim-local");
}

TEST(Simulator, SameBodySameReplyOtherSeedOrBodyMayDiffer) {
  const auto a = make(1);
  const auto b = make(2);
  int differs = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string body = chat_body(
        "sim-remote",
        "Explain step by step: Koplik spots are seen in which infection? #" + std::to_string(i));
    const SimReply first = a->handle("POST", "/v1/chat/completions", body);
    EXPECT_EQ(first.body, a->handle("POST", "/v1/chat/completions", body).body);
    EXPECT_EQ(first.latency_seconds,
              a->handle("POST", "/v1/chat/completions", body).latency_seconds);
    differs += first.body != b->handle("POST", "/v1/chat/completions", body).body;
  }
  EXPECT_GT(differs, 10);
}

TEST(Simulator, ARepeatedBodyGetsTheSameReplyAndAFreshLatency) {
  const auto a = make(1, 1.0);
  const auto b = make(1, 1.0);
  const std::string body = chat_body("sim-remote", "Explain step by step: what causes scurvy?");
  const SimReply first = a->handle("POST", "/v1/chat/completions", body, 0);
  const SimReply again = a->handle("POST", "/v1/chat/completions", body, 1);
  EXPECT_EQ(first.body, again.body);
  // The built-in remote profile has lognormal jitter: a second draw differs.
  EXPECT_NE(first.latency_seconds, again.latency_seconds);
  // Still deterministic: another simulator with the same seed agrees.
  EXPECT_EQ(again.latency_seconds,
            b->handle("POST", "/v1/chat/completions", body, 1).latency_seconds);
}

TEST(Simulator, ParaphraseRequestHonoursN) {
  const auto sim = make();
  const SimReply reply = sim->handle(
      "POST", "/v1/chat/completions",
      chat_body("sim-local",
                "Paraphrase the question, removing identifying detail.\nQuestion: A 45-year-old "
                "man presents with crushing chest pain radiating to the left arm.",
                7));
  ASSERT_EQ(reply.status, 200u);
  const json j = json::parse(reply.body);
  ASSERT_EQ(j["choices"].size(), 7u);
  std::set<std::string> distinct;
  for (const auto& choice : j["choices"])
    distinct.insert(choice["message"]["content"]);
  EXPECT_EQ(distinct.size(), 7u);
}

TEST(Simulator, ParaphraseCountInThePromptGivesOneLineEach) {
  const auto sim = make();
  const SimReply reply = sim->handle(
      "POST", "/v1/chat/completions",
      chat_body("sim-local",
                "Write 4 paraphrases, one per line.\nText: Koplik spots on the buccal mucosa are "
                "pathognomonic of which viral infection?"));
  const std::string text = json::parse(reply.body)["choices"][0]["message"]["content"];
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3) << text;
}

TEST(Simulator, AnswerRequestRepliesWithAnOptionAndMaxTokensTruncates) {
  const auto sim = make();
  const std::string prompt =
      "Question: Antidote used for paracetamol overdose causing hepatotoxicity in adults\n"
      "A) Naloxone\nB) Flumazenil\nC) N-acetylcysteine\nD) Atropine\n"
      "Answer with the letter of the correct option.";
  const json body = {{"model", "sim-local"},
                     {"max_tokens", 1},
                     {"messages", {{{"role", "user"}, {"content", prompt}}}}};
  const json j = json::parse(sim->handle("POST", "/v1/chat/completions", body.dump()).body);
  EXPECT_LE(j["choices"][0]["message"]["content"].get<std::string>().size(), 4u);
  EXPECT_EQ(j["usage"]["completion_tokens"], 1);
}

TEST(Simulator, ErrorsAreOpenAiShaped) {
  const auto sim = make();
  const SimReply unknown = sim->handle("POST", "/v1/chat/completions", chat_body("gpt-9", "hi"));
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(json::parse(unknown.body)["error"]["code"], "model_not_found");
  const SimReply bad = sim->handle("POST", "/v1/chat/completions", "{not json");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_TRUE(json::parse(bad.body)["error"]["message"].is_string());
  EXPECT_EQ(sim->handle("POST", "/v1/chat/completions", R"({"model":"sim-local"})").status, 400u);
  EXPECT_EQ(sim->handle("POST", "/v1/chat/completions",
                        R"({"model":"sim-local","n":0,"messages":[{"role":"user","content":"x"}]})")
                .status,
            400u);
  EXPECT_EQ(sim->handle("POST", "/v1/chat/completions",
                        R"({"model":"sim-local","stream":"yes","messages":[]})")
                .status,
            400u);
  EXPECT_EQ(sim->handle("GET", "/v1/nothing", "").status, 404u);
  EXPECT_EQ(sim->handle("GET", "/v1/chat/completions", "").status, 405u);
}

TEST(Simulator, EmbeddingsFloatAndBase64AgreeAndModelsList) {
  const auto sim = make();
  const json floats = json::parse(
      sim->handle("POST", "/v1/embeddings",
                  R"({"model":"sim-local","input":["chest pain","fever"],"dimensions":16})")
          .body);
  ASSERT_EQ(floats["data"].size(), 2u);
  EXPECT_EQ(floats["data"][1]["embedding"].size(), 16u);
  const json b64 = json::parse(
      sim->handle(
             "POST", "/v1/embeddings",
             R"({"model":"sim-local","input":"chest pain","dimensions":16,"encoding_format":"base64"})")
          .body);
  // 16 float32 = 64 bytes = 88 base64 characters (with padding).
  EXPECT_EQ(b64["data"][0]["embedding"].get<std::string>().size(), 88u);
  const json models = json::parse(sim->handle("GET", "/v1/models", "").body);
  EXPECT_EQ(models["data"].size(), 3u) << "sim-local, sim-remote, sim-embed";
  EXPECT_EQ(sim->handle("GET", "/health", "").status, 200u);
}

}  // namespace
}  // namespace privqa::sim
