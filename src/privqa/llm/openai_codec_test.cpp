#include "privqa/llm/openai_codec.h"

#include <gtest/gtest.h>

namespace privqa {
namespace {

using json = nlohmann::json;

const char* kTwoChoices = R"({
  "id": "x", "model": "m-1",
  "choices": [
    {"index": 1, "message": {"role": "assistant", "content": "second"}, "finish_reason": "length"},
    {"index": 0, "message": {"role": "assistant", "content": "first"}, "finish_reason": "stop",
     "logprobs": {"content": [{"token": "A", "logprob": -0.25,
                               "top_logprobs": [{"token": "A", "logprob": -0.25},
                                                {"token": "B", "logprob": -1.5}]}]}}
  ],
  "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
})";

TEST(EncodeChatRequest, SendsOnlyTheFieldsThatAreSet) {
  ChatRequest request;
  request.messages = {{"system", "be brief"}, {"user", "hi"}};
  const json body = encode_chat_request(request, "m", json::object());
  EXPECT_EQ(body, json::parse(R"({"model": "m", "messages": [
      {"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]})"));
}

TEST(EncodeChatRequest, SendsEveryParameter) {
  ChatRequest request;
  request.messages = {{"user", "q"}};
  request.temperature = 0.7;
  request.top_p = 0.95;
  request.max_tokens = 150;
  request.n = 10;
  request.seed = 42;
  request.stop = {"\n\n", "END"};
  request.logprobs = true;
  request.top_logprobs = 5;
  const json body = encode_chat_request(request, "m", json::object());
  EXPECT_EQ(body["temperature"], 0.7);
  EXPECT_EQ(body["top_p"], 0.95);
  EXPECT_EQ(body["max_tokens"], 150);
  EXPECT_EQ(body["n"], 10);
  EXPECT_EQ(body["seed"], 42);
  EXPECT_EQ(body["stop"], json::array({"\n\n", "END"}));
  EXPECT_EQ(body["logprobs"], true);
  EXPECT_EQ(body["top_logprobs"], 5);
}

TEST(EncodeChatRequest, ExtraFieldsPassThroughWithRequestExtraWinning) {
  ChatRequest request;
  request.messages = {{"user", "q"}};
  request.temperature = 0.2;
  request.extra = {{"reasoning_effort", "high"}, {"top_k", 5}};
  const json provider_extra = {
      {"reasoning_effort", "low"}, {"temperature", 1.0}, {"safe_prompt", false}};
  const json body = encode_chat_request(request, "m", provider_extra);
  EXPECT_EQ(body["reasoning_effort"], "high");  // request extra beats provider extra
  EXPECT_EQ(body["temperature"], 0.2);          // the standard field beats provider extra
  EXPECT_EQ(body["safe_prompt"], false);        // provider extra alone passes through
  EXPECT_EQ(body["top_k"], 5);
}

TEST(ToBody, ReplacesInvalidUtf8InsteadOfThrowing) {
  ChatRequest request;
  request.messages = {{"user", std::string("bad \xff byte")}};
  const std::string body = to_body(encode_chat_request(request, "m", json::object()));
  EXPECT_NE(body.find("bad \xEF\xBF\xBD byte"), std::string::npos);  // U+FFFD
}

TEST(DecodeChatResponse, ReadsChoicesInIndexOrderWithLogprobsAndUsage) {
  Result<ChatResponse> r = decode_chat_response("prov", kTwoChoices);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->model, "m-1");
  ASSERT_EQ(r->choices.size(), 2u);
  EXPECT_EQ(r->choices[0].content, "first");
  EXPECT_EQ(r->choices[0].finish_reason, "stop");
  EXPECT_EQ(r->choices[1].content, "second");
  EXPECT_EQ(r->choices[1].finish_reason, "length");
  ASSERT_EQ(r->choices[0].logprobs.size(), 1u);
  EXPECT_EQ(r->choices[0].logprobs[0].token, "A");
  EXPECT_DOUBLE_EQ(r->choices[0].logprobs[0].logprob, -0.25);
  ASSERT_EQ(r->choices[0].logprobs[0].top.size(), 2u);
  EXPECT_EQ(r->choices[0].logprobs[0].top[1].first, "B");
  EXPECT_DOUBLE_EQ(r->choices[0].logprobs[0].top[1].second, -1.5);
  EXPECT_EQ(r->usage.prompt_tokens, 12);
  EXPECT_EQ(r->usage.completion_tokens, 7);
  EXPECT_FALSE(r->usage.estimated);
}

TEST(DecodeChatResponse, NullContentAndMissingUsageAreAccepted) {
  Result<ChatResponse> r = decode_chat_response(
      "prov", R"({"choices":[{"message":{"role":"assistant","content":null}}]})");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->choices[0].content, "");
  EXPECT_EQ(r->usage.prompt_tokens, 0);
  EXPECT_TRUE(r->usage.estimated) << "no usage: the client estimates it";
}

TEST(DecodeChatResponse, EveryTruncationIsAnErrorNamingTheProvider) {
  const std::string body = kTwoChoices;
  // Every strict prefix of the body, including the empty one, is invalid.
  for (std::size_t n = 0; n < body.size(); ++n) {
    if (body.find_first_not_of(" \n", n) == std::string::npos) continue;  // only whitespace cut
    Result<ChatResponse> r = decode_chat_response("deepseek", body.substr(0, n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(r.error().message().rfind("deepseek: ", 0), 0u) << r.error().message();
  }
}

TEST(DecodeChatResponse, MalformedShapesAreErrorsWithASnippet) {
  const std::pair<const char*, const char*> cases[] = {
      {"<html>502 Bad Gateway</html>", "not valid JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"choices": []})", "no 'choices'"},
      {R"({"choices": {"a": 1}})", "no 'choices'"},
      {R"({"choices": [3]})", "not an object"},
      {R"({"choices": [{"index": 0}]})", "no 'message'"},
      {R"({"choices": [{"message": {"content": 5}}]})", "not a string"},
      {R"({"choices": [{"index": 7, "message": {"content": "x"}}]})", "out-of-range"},
      {R"({"choices": [{"index": -1, "message": {"content": "x"}}]})", "out-of-range"},
      {R"({"choices": [{"index": 0, "message": {"content": "x"}},
                       {"index": 0, "message": {"content": "y"}}]})",
       "share one 'index'"},
      {R"({"choices": [{"message": {"content": "x"}}], "usage": {"prompt_tokens": -3}})",
       "usage.prompt_tokens"},
      {R"({"choices": [{"message": {"content": "x"}}], "usage": "lots"})", "'usage'"},
      {R"({"choices": [{"message": {"content": "x"},
                        "logprobs": {"content": [{"token": 1}]}}]})",
       "logprobs"},
      {R"({"error": {"message": "overloaded"}})", "overloaded"},
  };
  for (const auto& [body, expected] : cases) {
    Result<ChatResponse> r = decode_chat_response("prov", body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_NE(r.error().message().find(expected), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find("body: \""), std::string::npos) << r.error().message();
  }
}

TEST(DecodeEmbeddingResponse, OrdersByIndexAndChecksTheCount) {
  const char* body = R"({"data": [{"index": 1, "embedding": [3, 4]},
                                   {"index": 0, "embedding": [1.5, 2]}],
                         "usage": {"prompt_tokens": 4}})";
  Result<EmbeddingResponse> r = decode_embedding_response("p", body, 2);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->vectors[0], (std::vector<float>{1.5f, 2.0f}));
  EXPECT_EQ(r->vectors[1], (std::vector<float>{3.0f, 4.0f}));
  EXPECT_EQ(r->usage.prompt_tokens, 4);

  EXPECT_FALSE(decode_embedding_response("p", body, 3).ok());
  EXPECT_FALSE(decode_embedding_response("p", R"({"data": [{"embedding": ["x"]}]})", 1).ok());
  // Beyond float range: an error, not an infinite component.
  Result<EmbeddingResponse> huge =
      decode_embedding_response("p", R"({"data": [{"embedding": [0.5, 1e39]}]})", 1);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message().find("beyond float range"), std::string::npos);
  EXPECT_FALSE(
      decode_embedding_response("p", R"({"data": [{"embedding": [1]}, {"embedding": [1, 2]}]})", 2)
          .ok());
  EXPECT_FALSE(decode_embedding_response("p", R"({"data": 5})", 1).ok());
  EXPECT_FALSE(decode_embedding_response("p", "{\"data\": [", 1).ok());
}

TEST(DecodeProviderError, ReadsTheOpenAiShapeAndToleratesOthers) {
  ProviderError e = decode_provider_error(
      R"({"error": {"message": "You exceeded your quota", "type": "insufficient_quota",
                    "code": "insufficient_quota"}})");
  EXPECT_EQ(e.message, "You exceeded your quota");
  EXPECT_EQ(e.type, "insufficient_quota");
  EXPECT_EQ(e.code, "insufficient_quota");
  EXPECT_EQ(decode_provider_error(R"({"error": "plain"})").message, "plain");
  EXPECT_EQ(decode_provider_error(R"({"message": "flat"})").message, "flat");
  EXPECT_EQ(decode_provider_error(R"({"error": {"code": 400}})").code, "400");
  EXPECT_EQ(decode_provider_error("not json").message, "");
}

TEST(BodySnippet, CutsEscapesAndKeepsUtf8Valid) {
  EXPECT_EQ(body_snippet("a\nb\x01\"c"), "a\\nb\\x01\\\"c");
  const std::string long_body(500, 'x');
  const std::string s = body_snippet(long_body, 10);
  EXPECT_EQ(s.substr(0, 10), std::string(10, 'x'));
  EXPECT_LE(s.size(), 14u);
  EXPECT_EQ(body_snippet("ab\xff"), "ab\xEF\xBF\xBD");
}

}  // namespace
}  // namespace privqa
