#include "privqa/base/event.h"

#include <boost/asio/redirect_error.hpp>

namespace privqa {

Event::Event(const asio::any_io_executor& executor) : timer_(executor) {
  timer_.expires_at(Clock::time_point::max());
}

asio::awaitable<void> Event::wait() {
  return wait_until(Clock::time_point::max());
}

asio::awaitable<void> Event::wait_until(Clock::time_point deadline) {
  // Setting the expiry cancels the waits in progress: done only when it
  // changes, or waiters of wait() would wake each other in turn forever.
  if (timer_.expiry() != deadline) timer_.expires_at(deadline);
  boost::system::error_code cancelled_or_expired;
  co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, cancelled_or_expired));
}

void Event::notify() {
  timer_.cancel();
}

}  // namespace privqa
