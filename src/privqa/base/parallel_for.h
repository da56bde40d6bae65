// Runs fn(i) for every i in [0, n) on up to `threads` threads, the caller's
// among them; each thread takes the next index when it finishes one, so
// uneven items balance. Returns when every call has returned. fn must be
// safe to call from several threads at once.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace privqa {

template <class Fn>
void parallel_for(size_t n, unsigned threads, const Fn& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++)
      fn(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < std::min<size_t>(threads, n); ++t)
    pool.emplace_back(work);
  work();
  for (auto& t : pool)
    t.join();
}

}  // namespace privqa
