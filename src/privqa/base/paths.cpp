#include "privqa/base/paths.h"

#include <cstdlib>

#include "privqa/base/build_info.h"

namespace privqa {

namespace {
std::filesystem::path from_env_or(const char* variable, const char* fallback) {
  const char* value = std::getenv(variable);
  if (value != nullptr && *value != '\0') return value;
  return fallback;
}
}  // namespace

std::filesystem::path shared_data_dir() {
  return from_env_or("PRIVQA_DATA_DIR", build_info::kDefaultDataDir);
}

std::filesystem::path default_embeddings_path() {
  return from_env_or("PRIVQA_EMBEDDINGS", build_info::kDefaultEmbeddings);
}

}  // namespace privqa
