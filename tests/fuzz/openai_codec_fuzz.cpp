// Fuzzes the decoders of provider responses: chat completions, embeddings
// and error bodies.
//
// Input layout: byte 0 chooses the decoder (bit 0: chat or embeddings) and
// the number of inputs an embeddings request had (bits 1-3); the rest is the
// response body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "privqa/llm/openai_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((selector & 1) == 0) {
    auto chat = privqa::decode_chat_response("fuzz", body);
    if (chat) {
      for (const auto& choice : chat->choices)
        (void)choice.content.size();
    }
  } else {
    const size_t expected = (selector >> 1) & 7;
    auto embeddings = privqa::decode_embedding_response("fuzz", body, expected);
    if (embeddings && embeddings->vectors.size() != expected) __builtin_trap();
  }
  (void)privqa::decode_provider_error(body);
  (void)privqa::body_snippet(body, 64);
  return 0;
}
