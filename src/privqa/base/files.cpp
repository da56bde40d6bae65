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
  // The descriptor is closed whether or not fsync succeeds.
  const int synced = ::fsync(fd) == 0 ? 0 : errno;
  const int closed = ::close(fd) == 0 ? 0 : errno;
  if (synced != 0 || closed != 0) {
    ::unlink(tmp.c_str());
    return Error(tmp + ": flush failed: " + std::strerror(synced != 0 ? synced : closed));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Error(path.string() + ": cannot replace: " + reason);
  }
  // The rename lives in the directory: flushing it makes the replacement
  // itself survive a crash, not only the new file's contents.
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    return Error(path.string() + ": replaced, but its directory cannot be opened to flush it: " +
                 std::strerror(errno));
  }
  const int dir_synced = ::fsync(dir_fd) == 0 ? 0 : errno;
  ::close(dir_fd);
  if (dir_synced != 0) {
    return Error(path.string() +
                 ": replaced, but flushing its directory failed: " + std::strerror(dir_synced));
  }
  return Status::Ok();
}

}  // namespace privqa
