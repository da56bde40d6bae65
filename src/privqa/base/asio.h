// The one place privqa includes Boost.Asio. Every module that needs the event
// loop, timers or coroutines includes this header instead of Boost directly.
//
// Boost 1.74's boost/asio/awaitable.hpp uses std::exchange without including
// <utility>; with g++ 12 it compiles only when <utility> comes first.
#pragma once

// clang-format off
#include <utility>  // must precede boost/asio/awaitable.hpp (see above)
#include <boost/asio/awaitable.hpp>
// clang-format on
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace privqa {
namespace asio = boost::asio;
}  // namespace privqa
