// Fuzzes parse_answer on arbitrary replies and options.
//
// Input layout: byte 0 modulo 8 is the number of options N; the next N lines
// are the options' texts; the rest is the model's reply.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/exp/answer_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t n = data[0] % 8;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> options;
  while (options.size() < n) {
    const size_t eol = rest.find('\n');
    if (eol == std::string_view::npos) return 0;
    options.emplace_back(rest.substr(0, eol));
    rest.remove_prefix(eol + 1);
  }
  const privqa::ParsedAnswer answer = privqa::parse_answer(rest, options);
  // The contract: an index is either -1 or a valid option.
  if (answer.index < -1 || answer.index >= static_cast<int>(options.size())) __builtin_trap();
  if (answer.parsed() == (answer.method == "unparsed")) __builtin_trap();
  return 0;
}
