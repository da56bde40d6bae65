#include "privqa/data/question.h"

namespace privqa {

const std::string& Question::meta_value(const std::string& key) const {
  static const std::string kEmpty;
  const auto it = meta.find(key);
  return it == meta.end() ? kEmpty : it->second;
}

}  // namespace privqa
