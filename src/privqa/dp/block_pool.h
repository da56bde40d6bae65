// Equal-sized byte blocks for a cache of many same-length arrays (SanText's
// neighbourhoods: |S| bytes per vocabulary word). Blocks are carved from
// 2 MiB slabs that ask the kernel for transparent huge pages, so filling the
// cache faults in a page per 2 MiB instead of per 4 KiB; a released block is
// reused by the next allocate(). Slabs are freed with the pool. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace privqa {

class BlockPool {
 public:
  explicit BlockPool(size_t block_bytes);
  ~BlockPool();
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  struct Release {
    BlockPool* pool = nullptr;
    void operator()(uint8_t* block) const;
  };
  // Uninitialised; must not outlive the pool.
  using Block = std::unique_ptr<uint8_t[], Release>;
  Block allocate();

  // The requested size rounded up to 64 bytes: blocks start on cache lines.
  size_t block_bytes() const { return block_bytes_; }

 private:
  const size_t block_bytes_;
  std::mutex mutex_;
  uint8_t* released_ = nullptr;  // a list through the blocks' first bytes
  std::vector<uint8_t*> slabs_;
  size_t slab_bytes_ = 0;  // of each slab: 2 MiB, or one block when larger
  size_t used_ = 0;        // bytes handed out of the newest slab
};

}  // namespace privqa
