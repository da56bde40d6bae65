#include "privqa/dp/block_pool.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace privqa {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
// Blocks start on cache lines (and hold a released block's list pointer).
constexpr size_t kBlockAlign = 64;

size_t round_up(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

}  // namespace

BlockPool::BlockPool(size_t block_bytes)
    : block_bytes_(round_up(std::max<size_t>(block_bytes, 1), kBlockAlign)),
      slab_bytes_(round_up(std::max(block_bytes_, kHugePage), kHugePage)),
      used_(slab_bytes_) {}

BlockPool::~BlockPool() {
  for (uint8_t* slab : slabs_)
    std::free(slab);
}

BlockPool::Block BlockPool::allocate() {
  std::lock_guard lock(mutex_);
  if (released_ != nullptr) {
    uint8_t* block = released_;
    std::memcpy(&released_, block, sizeof(released_));
    return Block(block, Release{this});
  }
  if (used_ + block_bytes_ > slab_bytes_) {
    void* slab = std::aligned_alloc(kHugePage, slab_bytes_);
    if (slab == nullptr) throw std::bad_alloc();
    // Advice only: without transparent huge pages the slab has 4 KiB pages.
    (void)madvise(slab, slab_bytes_, MADV_HUGEPAGE);
    slabs_.push_back(static_cast<uint8_t*>(slab));
    used_ = 0;
  }
  uint8_t* block = slabs_.back() + used_;
  used_ += block_bytes_;
  return Block(block, Release{this});
}

void BlockPool::Release::operator()(uint8_t* block) const {
  std::lock_guard lock(pool->mutex_);
  std::memcpy(block, &pool->released_, sizeof(pool->released_));
  pool->released_ = block;
}

}  // namespace privqa
