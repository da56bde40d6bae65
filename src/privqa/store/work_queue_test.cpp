#include "privqa/store/work_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <numeric>
#include <thread>

#include "privqa/store/open_store.h"
#include "store/store_testing.h"

namespace privqa {
namespace {

std::vector<size_t> range(size_t n) {
  std::vector<size_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

TEST(LocalWorkQueue, HandsOutWhatWasOfferedInOrderAndTakesBackWhatIsReleased) {
  auto queue = local_work_queue();
  ASSERT_TRUE(queue->offer({7, 2, 5, 9}).ok());
  auto first = queue->claim(3);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->items, (std::vector<size_t>{2, 5, 7}));
  ASSERT_TRUE(queue->finish(2).ok());
  auto second = queue->claim(3);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->items, (std::vector<size_t>{9}));
  auto none = queue->claim(3);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->items.empty());
  EXPECT_EQ(none->open, 0u) << "nobody else holds anything";
  // A stop gives back the unfinished ones, for the next claim.
  ASSERT_TRUE(queue->release().ok());
  auto again = queue->claim(10);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->items, (std::vector<size_t>{5, 7, 9}));
  EXPECT_EQ(queue->worker_id(), "");
}

class PostgresWorkQueue : public ::testing::Test {
 protected:
  void SetUp() override {
    PRIVQA_REQUIRE_POSTGRES(server);
    url_ = server->new_database() + "?schema=queue";
  }
  std::unique_ptr<WorkQueue> worker(double lease_seconds = 30) {
    auto queue = open_work_queue(url_, lease_seconds);
    EXPECT_TRUE(queue.ok()) << queue.error().message();
    return queue.ok() ? std::move(*queue) : nullptr;
  }
  std::string url_;
};

// Workers claiming at once from their own threads and connections take
// every item exactly once.
TEST_F(PostgresWorkQueue, ConcurrentClaimsTakeEveryItemOnce) {
  constexpr size_t kItems = 400;
  ASSERT_TRUE(worker()->offer(range(kItems)).ok());
  std::mutex mutex;
  std::vector<size_t> taken;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto queue = worker();
      if (!queue) return;
      for (;;) {
        auto claim = queue->claim(3);
        ASSERT_TRUE(claim.ok()) << claim.error().message();
        if (claim->items.empty()) {
          if (claim->open == 0) return;
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          continue;
        }
        for (size_t item : claim->items)
          ASSERT_TRUE(queue->finish(item).ok());
        std::lock_guard lock(mutex);
        taken.insert(taken.end(), claim->items.begin(), claim->items.end());
      }
    });
  }
  for (auto& t : threads)
    t.join();
  std::sort(taken.begin(), taken.end());
  EXPECT_EQ(taken, range(kItems));
}

TEST_F(PostgresWorkQueue, LeasesHeldByHeartbeatsAndTakenOverWhenTheyExpire) {
  auto a = worker(1.0);
  auto b = worker(1.0);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->offer(range(6)).ok());
  auto mine = a->claim(4);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->items, (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(mine->reclaimed, 0u);
  // While a renews, b gets only the rest, then waits on a's four.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(a->heartbeat(true).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  auto rest = b->claim(10);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->items, (std::vector<size_t>{4, 5}));
  auto wait = b->claim(10);
  ASSERT_TRUE(wait.ok());
  EXPECT_TRUE(wait->items.empty());
  EXPECT_EQ(wait->open, 4u) << "a's questions are open, held by a";
  ASSERT_TRUE(a->finish(0).ok());
  // a stops renewing (as if killed): after its lease, b takes over the three
  // left. (b did not renew either: its own two come back to it, not counted
  // as taken over.)
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  auto taken = b->claim(10);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->items, (std::vector<size_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(taken->reclaimed, 3u);
  // a's late finish of a question b holds changes nothing: b still holds it.
  ASSERT_TRUE(a->finish(1).ok());
  auto c = worker();
  auto none = c->claim(10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->items.empty());
  EXPECT_EQ(none->open, 5u) << "1, 2, 3 (b's) and 4, 5 (b's)";
  // b finishes everything: nothing is open for anyone.
  for (size_t item : {1, 2, 3, 4, 5})
    ASSERT_TRUE(b->finish(item).ok());
  auto done = c->claim(10);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->items.empty());
  EXPECT_EQ(done->open, 0u);
  // A new run offering a finished question opens it again (its errors are retried).
  ASSERT_TRUE(c->offer({3}).ok());
  auto reopened = c->claim(10);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->items, (std::vector<size_t>{3}));
}

TEST_F(PostgresWorkQueue, ReleaseGivesBackUnfinishedItemsAndEndsTheWorker) {
  auto a = worker();
  auto b = worker();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->offer(range(3)).ok());
  ASSERT_TRUE(a->claim(2).ok());
  ASSERT_TRUE(a->heartbeat(true).ok());
  auto both = b->heartbeat(false);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->live, 2u);
  EXPECT_EQ(both->lost, 0u);
  EXPECT_EQ(both->busy_others, 1u) << "a";
  auto from_a = a->heartbeat(true);
  ASSERT_TRUE(from_a.ok());
  EXPECT_EQ(from_a->busy_others, 0u) << "b is idle";
  ASSERT_TRUE(a->finish(0).ok());
  ASSERT_TRUE(a->release().ok());
  auto claim = b->claim(10);
  ASSERT_TRUE(claim.ok());
  EXPECT_EQ(claim->items, (std::vector<size_t>{1, 2}));
  EXPECT_EQ(claim->reclaimed, 0u) << "given back, not taken over";
  auto alone = b->heartbeat(true);
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->live, 1u) << "a ended";
  EXPECT_EQ(alone->lost, 0u);
  EXPECT_EQ(alone->busy_others, 0u) << "an ended worker is not busy";
  auto workers = read_workers(url_);
  ASSERT_TRUE(workers.ok()) << workers.error().message();
  ASSERT_EQ(workers->size(), 2u);
  EXPECT_TRUE((*workers)[0].ended);
  EXPECT_EQ((*workers)[0].id, a->worker_id());
  EXPECT_FALSE((*workers)[1].ended);
  EXPECT_TRUE((*workers)[1].live());
  EXPECT_EQ((*workers)[1].pid, ::getpid());
}

// A worker that stops saying it is alive, without ending, counts as lost
// after kLiveSeconds.
TEST_F(PostgresWorkQueue, AWorkerWithoutHeartbeatsIsLost) {
  auto a = worker();
  auto b = worker();
  ASSERT_TRUE(a && b);
  std::this_thread::sleep_for(std::chrono::milliseconds(kLiveSeconds * 1000 + 300));
  ASSERT_TRUE(a->heartbeat(true).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(kLiveSeconds * 1000 + 300));
  auto seen = b->heartbeat(false);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->live, 1u);
  EXPECT_EQ(seen->lost, 1u);
  EXPECT_EQ(seen->busy_others, 0u) << "a lost worker sends nothing";
  auto workers = read_workers(url_);
  ASSERT_TRUE(workers.ok());
  ASSERT_EQ(workers->size(), 2u);
  EXPECT_FALSE((*workers)[0].live());
  EXPECT_FALSE((*workers)[0].ended);
  EXPECT_TRUE(read_workers("/tmp/a-file.db")->empty()) << "a SQLite run has no workers";
}

}  // namespace
}  // namespace privqa
