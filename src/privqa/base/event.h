// An event that coroutines on one Asio executor wait for: the condition
// variable of the event loop. A notify wakes the coroutines suspended in
// wait() at that moment and is not kept for later ones, so a waiter checks its
// condition in a loop:
//
//   while (!done) co_await done_event.wait();
//
// Written once here instead of a steady_timer set to expire never and
// cancelled to wake its waiters. Not thread-safe: every call runs on the
// executor's thread.
#pragma once

#include <chrono>

#include "privqa/base/asio.h"

namespace privqa {

class Event {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Event(const asio::any_io_executor& executor);
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // Suspends until the next notify().
  asio::awaitable<void> wait();

  // Suspends until the next notify() or until `deadline`, whichever is first.
  // The deadline belongs to the event, not to the wait: an event whose waiter
  // sets one has that single waiter.
  asio::awaitable<void> wait_until(Clock::time_point deadline);

  // Wakes every coroutine suspended in wait() or wait_until().
  void notify();

 private:
  asio::steady_timer timer_;
};

}  // namespace privqa
