// Helpers for tests that damage a result store on purpose.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "privqa/store/sqlite.h"

namespace privqa::store_testing {

// Writes the raw meta value "sessions", as an older or damaged file may hold it.
inline void write_raw_sessions(const std::filesystem::path& path, const std::string& value) {
  auto db = sqlite::Database::open(path, sqlite::OpenMode::kReadWrite);
  ASSERT_TRUE(db.ok()) << db.error().message();
  auto s = db->prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('sessions', ?)");
  ASSERT_TRUE(s.ok()) << s.error().message();
  ASSERT_TRUE(s->bind_text(1, value).run("write").ok());
}

}  // namespace privqa::store_testing
