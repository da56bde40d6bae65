// Whole-file reads and crash-safe writes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "privqa/base/result.h"

namespace privqa {

// Reads the whole file. Errors name the path and the OS reason.
Result<std::string> read_file(const std::filesystem::path& path);

// Writes `contents` to a temporary file beside `path`, flushes it to disk,
// renames it over `path` and flushes the directory, so readers (and the file
// after a crash) see either the old or the new file, never a half-written one.
// On failure the temporary file is removed; an error after the rename (the
// directory flush) says the file was replaced but may not survive a crash.
Status write_file_atomic(const std::filesystem::path& path, std::string_view contents);

}  // namespace privqa
