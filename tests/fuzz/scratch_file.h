// A file that fuzz inputs are written to, for entry points that take a path
// rather than bytes. Each fuzzer process gets its own directory under the
// temporary directory, so parallel fuzzers never read each other's input.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace privqa::fuzz {

class ScratchFile {
 public:
  // `name` is the file name inside the directory; its extension matters to
  // loaders that pick a format by extension.
  explicit ScratchFile(const std::string& name) {
    std::string dir = (std::filesystem::temp_directory_path() / "privqa-fuzz-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    dir_ = dir;
    path_ = dir_ / name;
  }
  ~ScratchFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Replaces the file's contents. A failed write is the harness's fault, not
  // a finding, so it aborts loudly rather than fuzzing a stale file.
  void write(const uint8_t* data, size_t size) const {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (f == nullptr || (size > 0 && std::fwrite(data, 1, size, f) != size) ||
        std::fclose(f) != 0) {
      std::perror(path_.c_str());
      std::abort();
    }
  }

 private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
};

}  // namespace privqa::fuzz
