// The one place privqa includes Boost.Asio. Every module that needs the event
// loop, timers or coroutines includes this header instead of Boost directly.
//
// Boost 1.74's boost/asio/awaitable.hpp uses std::exchange without including
// <utility>; with g++ 12 it compiles only when <utility> comes first.
//
// g++ 12 also reports -Wmismatched-new-delete for every coroutine frame of
// asio::awaitable (a false positive: GCC bug 109224, the frame's own sized
// operator delete is matched with its operator new). It is reported where the
// coroutine is instantiated — the end of the including file — so the warning
// is disabled for files that include this header.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

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
