// WorkQueue: how the runs writing one store share its questions
// (docs/workers.md).
//
// A run offers the questions it finds unfinished (their indices in the
// run's question list, which every run of one config shares), then claims
// them a batch at a time, lowest first, and finishes each once all its
// cells are stored. On a PostgreSQL store any number of runs (workers, on
// any hosts) share one queue: a claim is a lease that the worker renews
// with each heartbeat; a worker that stops renewing (killed, its node
// lost) loses its leases after `lease_seconds`, and others claim those
// questions again. On a SQLite store one run writes at a time
// (claim_writer), so its queue lives in the run's memory.
//
// Threading: one thread at a time (the runner's event loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "privqa/base/result.h"

namespace privqa {

// A worker that said it is alive within this many seconds is live; one that
// did not, and did not end, is lost (its leases expire after their time).
inline constexpr int kLiveSeconds = 3;

// One worker of a store, as `privqa status` shows it.
struct WorkerRecord {
  std::string id;  // the worker's id, as its session record names it
  std::string host;
  int64_t pid = 0;
  double seconds_since_heartbeat = 0;
  bool ended = false;
  bool busy = false;  // had work at its last heartbeat
  bool live() const { return !ended && seconds_since_heartbeat < kLiveSeconds; }
};

struct Claim {
  std::vector<size_t> items;  // claimed now, ascending
  size_t reclaimed = 0;       // of them, leases taken over from workers that stopped renewing
  // When nothing was claimed: the items other workers hold, unfinished (0:
  // no work is left but this worker's own).
  size_t open = 0;
};

// The workers of a store as one heartbeat sees them.
struct WorkerCount {
  size_t live = 1;  // renewing now, this one included
  size_t lost = 0;  // stopped renewing without ending (killed, node lost)
  // Live workers other than this one that have work: those that send
  // requests, and so share the providers' rate limits.
  size_t busy_others = 0;
};

class WorkQueue {
 public:
  virtual ~WorkQueue() = default;

  // Adds `items` to the queue, or opens them again if finished (a new run
  // retries cells stored as errors).
  virtual Status offer(const std::vector<size_t>& items) = 0;
  // Claims up to `count` items that are neither finished nor leased (expired
  // leases count as free).
  virtual Result<Claim> claim(size_t count) = 0;
  // The item's cells are all stored: nobody claims it again.
  virtual Status finish(size_t item) = 0;
  // Gives back every item this worker holds and has not finished, and ends
  // the worker (a run that stops, pauses, or is done).
  virtual Status release() = 0;
  // Renews this worker's leases and says it is alive, and whether it has
  // work (`busy`: false once it waits for others to finish the last
  // questions; a worker counts as busy from its start); the store's workers.
  virtual Result<WorkerCount> heartbeat(bool busy) = 0;

  // This worker's id in the store, for its session record; "" for the
  // in-memory queue.
  virtual const std::string& worker_id() const = 0;
};

// The queue of a run that is alone on its store.
std::unique_ptr<WorkQueue> local_work_queue();

}  // namespace privqa
