// Whole-file reads and crash-safe writes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "privqa/base/result.h"

namespace privqa {

// Reads the whole file. Errors name the path and the OS reason.
Result<std::string> read_file(const std::filesystem::path& path);

// Writes `contents` to a temporary file beside `path`, flushes it to disk and
// renames it over `path`, so readers see either the old or the new file,
// never a half-written one.
Status write_file_atomic(const std::filesystem::path& path, std::string_view contents);

}  // namespace privqa
