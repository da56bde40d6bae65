#include "privqa/dp/block_pool.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

namespace privqa {
namespace {

// Fills every block with its own byte, then checks each still holds it: no
// two blocks share a byte, across slab boundaries too.
void expect_disjoint(size_t block_bytes, size_t count) {
  BlockPool pool(block_bytes);
  std::vector<BlockPool::Block> blocks;
  for (size_t i = 0; i < count; ++i) {
    blocks.push_back(pool.allocate());
    std::memset(blocks.back().get(), static_cast<int>(i % 251), block_bytes);
  }
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* block = blocks[i].get();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(block) % 64, 0u) << "block " << i;
    for (size_t b = 0; b < block_bytes; ++b)
      ASSERT_EQ(block[b], i % 251) << "block " << i << ", byte " << b;
  }
}

TEST(BlockPool, BlocksAreDisjointAndStartOnCacheLines) {
  expect_disjoint(5869, 1000);  // 2 MiB slabs hold 341 of these: three slabs
  expect_disjoint(1, 100);
}

TEST(BlockPool, ABlockLargerThanASlabGetsASlabOfItsOwn) {
  expect_disjoint((size_t{5} << 20) + 3, 3);
}

TEST(BlockPool, AReleasedBlockIsTheNextOneHandedOut) {
  BlockPool pool(100);
  EXPECT_EQ(pool.block_bytes(), 128u);
  auto a = pool.allocate();
  auto b = pool.allocate();
  uint8_t* const first = a.get();
  a.reset();
  auto c = pool.allocate();
  EXPECT_EQ(c.get(), first);
  auto d = pool.allocate();
  EXPECT_NE(d.get(), b.get());
  EXPECT_NE(d.get(), c.get());
}

TEST(BlockPool, ThreadsAllocateAndReleaseConcurrently) {
  BlockPool pool(3000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool, t] {
      std::vector<BlockPool::Block> held;
      for (int round = 0; round < 200; ++round) {
        held.push_back(pool.allocate());
        std::memset(held.back().get(), t, 3000);
        if (round % 3 == 2) held.erase(held.begin());
      }
      for (const auto& block : held) {
        for (size_t b = 0; b < 3000; ++b)
          ASSERT_EQ(block[b], t);
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
}

}  // namespace
}  // namespace privqa
