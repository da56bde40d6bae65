#include "privqa/base/event.h"

#include <gtest/gtest.h>

#include <chrono>

namespace privqa {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Runs `body` on a fresh event loop until nothing is left to do.
template <class Body>
void run_loop(asio::io_context& io, Body body) {
  asio::co_spawn(io, body(), asio::detached);
  io.run();
}

TEST(Event, NotifyWakesEveryWaiterOnce) {
  asio::io_context io;
  Event event(io.get_executor());
  int woken = 0;
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await event.wait();
          ++woken;
        },
        asio::detached);
  }
  // Let the three reach their wait: each new wait must not wake the others.
  io.run_for(20ms);
  EXPECT_EQ(woken, 0);
  event.notify();
  io.run();
  EXPECT_EQ(woken, 3);
}

TEST(Event, ANotifyWithNobodyWaitingIsNotKept) {
  asio::io_context io;
  Event event(io.get_executor());
  event.notify();
  Clock::duration waited{};
  run_loop(io, [&]() -> asio::awaitable<void> {
    const auto start = Clock::now();
    co_await event.wait_until(start + 50ms);
    waited = Clock::now() - start;
  });
  EXPECT_GE(waited, 50ms) << "the earlier notify ended the wait";
}

TEST(Event, AWaitWithADeadlineEndsAtTheDeadlineOrAtTheNotify) {
  asio::io_context io;
  Event event(io.get_executor());
  Clock::duration by_deadline{}, by_notify{};
  run_loop(io, [&]() -> asio::awaitable<void> {
    auto start = Clock::now();
    co_await event.wait_until(start + 30ms);
    by_deadline = Clock::now() - start;

    asio::steady_timer notifier(io, 10ms);
    notifier.async_wait([&](const boost::system::error_code&) { event.notify(); });
    start = Clock::now();
    co_await event.wait_until(start + 10s);
    by_notify = Clock::now() - start;
  });
  EXPECT_GE(by_deadline, 30ms);
  EXPECT_GE(by_notify, 10ms);
  EXPECT_LT(by_notify, 10s) << "the notify did not end the wait";
}

TEST(Event, AWaitAfterADeadlinePassedWaitsForTheNextNotify) {
  asio::io_context io;
  Event event(io.get_executor());
  bool woken = false;
  run_loop(io, [&]() -> asio::awaitable<void> {
    co_await event.wait_until(Clock::now() + 5ms);
    asio::steady_timer notifier(io, 30ms);
    notifier.async_wait([&](const boost::system::error_code&) { event.notify(); });
    const auto start = Clock::now();
    co_await event.wait();
    woken = Clock::now() - start >= 30ms;
  });
  EXPECT_TRUE(woken) << "wait() returned before the notify";
}

}  // namespace
}  // namespace privqa
