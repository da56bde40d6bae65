#include "privqa/store/work_queue.h"

#include <algorithm>
#include <set>

namespace privqa {

namespace {

// One run alone on its store: what it offers, it claims in order, and no
// one else can take anything from it.
class LocalWorkQueue final : public WorkQueue {
 public:
  Status offer(const std::vector<size_t>& items) override {
    open_.insert(items.begin(), items.end());
    return Status::Ok();
  }

  Result<Claim> claim(size_t count) override {
    Claim claim;  // nobody else holds anything: open stays 0
    while (claim.items.size() < count && !open_.empty()) {
      claim.items.push_back(*open_.begin());
      held_.insert(*open_.begin());
      open_.erase(open_.begin());
    }
    return claim;
  }

  Status finish(size_t item) override {
    held_.erase(item);
    return Status::Ok();
  }

  Status release() override {
    open_.insert(held_.begin(), held_.end());
    held_.clear();
    return Status::Ok();
  }

  Result<WorkerCount> heartbeat(bool) override { return WorkerCount{}; }
  const std::string& worker_id() const override { return id_; }

 private:
  std::set<size_t> open_;  // offered, not claimed
  std::set<size_t> held_;  // claimed, not finished
  std::string id_;
};

}  // namespace

std::unique_ptr<WorkQueue> local_work_queue() {
  return std::make_unique<LocalWorkQueue>();
}

}  // namespace privqa
