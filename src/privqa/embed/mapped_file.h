// Read-only memory mapping of a whole file (internal to the embed module).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string_view>

#include "privqa/base/result.h"

namespace privqa {

class MappedFile {
 public:
  // Maps `path` read-only. An empty file maps to an empty view.
  static Result<std::shared_ptr<const MappedFile>> open(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

  // Drops the mapped pages of bytes [offset, offset + length) from the
  // process's resident set (the contents stay valid: a page touched again is
  // mapped again from the page cache). Only whole pages inside the range are
  // dropped. Called during a pass over the whole file, so that neither its
  // peak nor what follows counts the pages the pass read.
  void release_resident(size_t offset, size_t length) const;

 private:
  MappedFile(void* data, size_t size) : data_(data), size_(size) {}
  void* data_;
  size_t size_;
};

}  // namespace privqa
