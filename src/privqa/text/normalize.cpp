#include "privqa/text/normalize.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

namespace privqa {

std::string fold_case(std::string_view word) {
  bool ascii = true;
  for (const char c : word)
    ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {  // NFKC leaves ASCII unchanged; folding is lower-casing
    std::string out(word);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  utf8proc_uint8_t* mapped = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(word.data()),
                              static_cast<utf8proc_ssize_t>(word.size()), &mapped,
                              static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPAT |
                                                             UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD));
  if (n < 0) return std::string(word);
  const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
  return std::string(reinterpret_cast<const char*>(mapped), static_cast<size_t>(n));
}

}  // namespace privqa
