// The mapping's resident pages, read from the kernel's own account of them
// (/proc/self/smaps), before and after they are released.
#include "privqa/embed/mapped_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "testing.h"

namespace privqa {
namespace {

// Resident kB of the mapping that holds `address`, or -1 if none does.
long resident_kb(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<uintptr_t>(address);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> begin >> dash >> end && dash == '-' &&
        line.find(' ') != std::string::npos) {
      inside = begin <= at && at < end;
    } else if (inside && line.rfind("Rss:", 0) == 0) {
      return std::stol(line.substr(4));
    }
  }
  return -1;
}

TEST(MappedFile, ReleasedPagesLeaveTheResidentSetAndReadTheSame) {
  testing::TempDir dir;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t size = 1024 * page + 100;  // a partial last page
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<char>(i * 7 % 251);
  testing::write_text(dir.path() / "f", bytes);
  auto mapped = MappedFile::open(dir.path() / "f");
  ASSERT_TRUE(mapped.ok()) << mapped.error().message();
  const std::string_view view = (*mapped)->bytes();
  ASSERT_EQ(view, bytes);  // reads every page
  const long kb = static_cast<long>(page / 1024);
  EXPECT_GE(resident_kb(view.data()), 1025 * kb);

  // A range holding no whole page releases nothing.
  const long all = resident_kb(view.data());
  (*mapped)->release_resident(1, page);
  (*mapped)->release_resident(size - 50, 50);
  EXPECT_EQ(resident_kb(view.data()), all);
  // [page + 1, 3 page + 1) holds one whole page: at least it goes (the kernel
  // may unmap more of a large folio; those pages are mapped again when read).
  (*mapped)->release_resident(page + 1, 2 * page);
  EXPECT_LE(resident_kb(view.data()), all - kb);
  (*mapped)->release_resident(0, size);
  EXPECT_EQ(resident_kb(view.data()), 0);
  // The contents stay valid: read again from the page cache.
  EXPECT_EQ(view, bytes);
}

}  // namespace
}  // namespace privqa
