// A thread-safe map from a 64-bit key to an immutable value, holding at most
// about `budget_bytes` of values: when a shard grows past its share, its
// least recently used entries are evicted. Values are handed out as
// shared_ptr, so an evicted value stays valid for whoever still holds it.
// Used for per-word state (distances, neighbourhoods): computed on first
// use, reused while it fits, and never a V x V matrix in memory.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace privqa {

// Value must provide size_t memory_bytes() const.
template <class Value>
class BoundedCache {
 public:
  explicit BoundedCache(size_t budget_bytes) : shard_budget_(budget_bytes / kShards) {}

  // The cached value for `key` (now the most recently used), or nullptr.
  std::shared_ptr<const Value> find(uint64_t key) {
    Shard& shard = shards_[mix(key) % kShards];
    std::lock_guard lock(shard.mutex);
    const auto it = shard.entries.find(key);
    if (it == shard.entries.end()) return nullptr;
    shard.order.splice(shard.order.end(), shard.order, it->second.position);
    return it->second.value;
  }

  // The cached value for `key`, or make() computed now (outside the lock;
  // two threads may compute the same entry once each, both results equal).
  template <class Make>
  std::shared_ptr<const Value> get(uint64_t key, Make&& make) {
    Shard& shard = shards_[mix(key) % kShards];
    {
      std::lock_guard lock(shard.mutex);
      const auto it = shard.entries.find(key);
      if (it != shard.entries.end()) {
        shard.order.splice(shard.order.end(), shard.order, it->second.position);
        return it->second.value;
      }
    }
    auto value = std::make_shared<const Value>(make());
    const size_t bytes = value->memory_bytes();
    std::lock_guard lock(shard.mutex);
    const auto [it, inserted] = shard.entries.try_emplace(key);
    if (!inserted) return it->second.value;
    it->second.value = value;
    it->second.position = shard.order.insert(shard.order.end(), key);
    shard.bytes += bytes;
    while (shard.bytes > shard_budget_ && shard.order.size() > 1) {
      const auto victim = shard.entries.find(shard.order.front());
      shard.bytes -= victim->second.value->memory_bytes();
      shard.entries.erase(victim);
      shard.order.pop_front();
    }
    return value;
  }

 private:
  static constexpr size_t kShards = 16;
  static uint64_t mix(uint64_t x) {  // spreads keys that differ only in high bits
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
  }
  struct Entry {
    std::shared_ptr<const Value> value;
    std::list<uint64_t>::iterator position;  // in Shard::order
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<uint64_t, Entry> entries;
    std::list<uint64_t> order;  // least recently used first
    size_t bytes = 0;
  };
  size_t shard_budget_;
  std::array<Shard, kShards> shards_;
};

}  // namespace privqa
