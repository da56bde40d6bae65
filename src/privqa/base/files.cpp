#include "privqa/base/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace privqa {

Result<std::string> read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Error(path.string() + ": is a directory, expected a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(path.string() + ": cannot open: " + std::strerror(errno));
  std::string contents;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size > 0) {
    contents.resize(static_cast<size_t>(size));
    in.seekg(0);
    in.read(contents.data(), size);
  }
  if (!in) return Error(path.string() + ": read failed");
  return contents;
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view contents) {
  const std::string tmp = path.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error(tmp + ": cannot create: " + std::strerror(errno));
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error(tmp + ": write failed: " + reason);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Error(tmp + ": flush failed: " + reason);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Error(path.string() + ": cannot replace: " + reason);
  }
  return Status::Ok();
}

}  // namespace privqa
