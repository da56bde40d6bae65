#include "privqa/base/files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "testing.h"

namespace privqa {
namespace {

using testing::TempDir;
using testing::write_text;

std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

size_t open_descriptors() {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                           std::filesystem::directory_iterator()));
}

TEST(ReadFile, ReturnsTheBytesAsStored) {
  TempDir dir;
  const std::string bytes = std::string("line 1\r\nnul \0 byte\n\xff\xfe", 21);
  write_text(dir / "f.bin", bytes);
  auto read = read_file(dir / "f.bin");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(*read, bytes);

  write_text(dir / "empty", "");
  auto empty = read_file(dir / "empty");
  ASSERT_TRUE(empty.ok()) << empty.error().message();
  EXPECT_EQ(*empty, "");
}

TEST(ReadFile, ErrorsNameThePathAndTheReason) {
  TempDir dir;
  const auto missing = dir / "missing.json";
  auto read = read_file(missing);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message().find(missing.string()), std::string::npos)
      << read.error().message();
  EXPECT_NE(read.error().message().find("No such file or directory"), std::string::npos)
      << read.error().message();

  auto directory = read_file(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().message(), dir.path().string() + ": is a directory, expected a file");
}

TEST(WriteFileAtomic, CreatesAndReplacesLeavingNoTemporaryFile) {
  TempDir dir;
  const auto path = dir / "out.txt";
  ASSERT_TRUE(write_file_atomic(path, "first").ok());
  EXPECT_EQ(*read_file(path), "first");
  ASSERT_TRUE(write_file_atomic(path, "second, longer").ok());
  EXPECT_EQ(*read_file(path), "second, longer");
  ASSERT_TRUE(write_file_atomic(path, "").ok());
  EXPECT_EQ(*read_file(path), "");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"out.txt"});
}

TEST(WriteFileAtomic, ReplacesTheFileInsteadOfRewritingIt) {
  // A reader that opened the old file keeps reading the old contents: the
  // new contents are a new file renamed over the name.
  TempDir dir;
  const auto path = dir / "state.json";
  write_text(path, "old contents");
  const int reader = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  ASSERT_TRUE(write_file_atomic(path, "new").ok());
  char buffer[64] = {};
  const ssize_t n = ::pread(reader, buffer, sizeof buffer, 0);
  ::close(reader);
  EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<size_t>(n) : 0), "old contents");
  EXPECT_EQ(*read_file(path), "new");
}

TEST(WriteFileAtomic, ConcurrentReadersSeeOnlyWholeVersions) {
  TempDir dir;
  const auto path = dir / "big";
  const std::string a(1 << 20, 'a'), b(1 << 19, 'b');
  ASSERT_TRUE(write_file_atomic(path, a).ok());
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, torn{0};
  std::thread reader([&] {
    while (!done) {
      auto contents = read_file(path);
      if (!contents.ok() || (*contents != a && *contents != b)) ++torn;
      ++reads;
    }
  });
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(write_file_atomic(path, i % 2 ? a : b).ok());
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(torn.load(), 0) << "of " << reads.load() << " reads";
}

TEST(WriteFileAtomic, AFailedRenameKeepsTheTargetAndRemovesTheTemporaryFile) {
  TempDir dir;
  // A non-empty directory cannot be replaced by a file.
  const auto target = dir / "target";
  std::filesystem::create_directories(target);
  write_text(target / "keep", "kept");
  const size_t descriptors = open_descriptors();
  const Status st = write_file_atomic(target, "contents");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find(target.string() + ": cannot replace:"), std::string::npos)
      << st.error().message();
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"target"});
  EXPECT_EQ(*read_file(target / "keep"), "kept");
  EXPECT_EQ(open_descriptors(), descriptors) << "a descriptor leaked";
}

TEST(WriteFileAtomic, AFailedWriteKeepsTheOldFileAndRemovesTheTemporaryFile) {
  TempDir dir;
  const auto path = dir / "data";
  write_text(path, "old");
  // A file size limit makes write() fail (EFBIG; SIGXFSZ is ignored).
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const size_t descriptors = open_descriptors();
  const Status st = write_file_atomic(path, std::string(100000, 'x'));
  const size_t descriptors_after = open_descriptors();
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("write failed: File too large"), std::string::npos)
      << st.error().message();
  EXPECT_NE(st.error().message().find(path.string() + ".tmp."), std::string::npos)
      << "the error names the file written";
  EXPECT_EQ(*read_file(path), "old");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"data"});
  EXPECT_EQ(descriptors_after, descriptors) << "a descriptor leaked";
}

TEST(WriteFileAtomic, AMissingDirectoryIsAnErrorNamingTheFile) {
  TempDir dir;
  const auto path = dir / "no" / "such" / "dir" / "file";
  const Status st = write_file_atomic(path, "x");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find((dir / "no" / "such" / "dir").string()), std::string::npos)
      << st.error().message();
  EXPECT_NE(st.error().message().find("cannot create"), std::string::npos);
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{});
}

TEST(WriteFileAtomic, WorksOnARelativePathInTheCurrentDirectory) {
  // A bare file name has no parent path: its directory is ".".
  TempDir dir;
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  const Status st = write_file_atomic("bare.txt", "here");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(*read_file(dir / "bare.txt"), "here");
}

}  // namespace
}  // namespace privqa
