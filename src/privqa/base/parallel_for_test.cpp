#include "privqa/base/parallel_for.h"

#include <gtest/gtest.h>

#include <latch>
#include <mutex>
#include <set>
#include <thread>

namespace privqa {
namespace {

TEST(ParallelFor, CallsEveryIndexOnceOnSeveralThreads) {
  constexpr size_t kItems = 1000;
  std::vector<std::atomic<int>> calls(kItems);
  std::mutex mutex;
  std::set<std::thread::id> seen;
  parallel_for(kItems, 4, [&](size_t i) {
    ++calls[i];
    std::lock_guard lock(mutex);
    seen.insert(std::this_thread::get_id());
  });
  for (size_t i = 0; i < kItems; ++i)
    EXPECT_EQ(calls[i], 1) << i;
  EXPECT_GE(seen.size(), 1u);
  EXPECT_LE(seen.size(), 4u);
}

TEST(ParallelFor, TheCallerIsOneOfTheThreads) {
  // Each call waits until four calls run at once, so this returns only if
  // four threads, the caller's among them, each take one item.
  std::latch all_in(4);
  std::mutex mutex;
  std::set<std::thread::id> seen;
  parallel_for(4, 4, [&](size_t) {
    {
      std::lock_guard lock(mutex);
      seen.insert(std::this_thread::get_id());
    }
    all_in.arrive_and_wait();
  });
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen.count(std::this_thread::get_id()), 1u);
}

TEST(ParallelFor, NoItemsAndOneThread) {
  int calls = 0;
  parallel_for(0, 8, [&](size_t) { ++calls; });
  EXPECT_EQ(calls, 0);
  std::vector<size_t> order;
  parallel_for(3, 1, [&](size_t i) { order.push_back(i); });  // the caller alone, in order
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2}));
}

}  // namespace
}  // namespace privqa
