// A value computed once per eps and then shared: the per-eps normalisers of
// the exact word channels (dp/word_channel.h). Safe to call from several
// threads; a value is computed outside the lock, so that threads asking for
// other eps are not held up (two threads asking for one eps at once may both
// compute it, equally, and the first stored is kept).
#pragma once

#include <map>
#include <memory>
#include <mutex>

namespace privqa {

template <class Value>
class PerEps {
 public:
  template <class Make>
  std::shared_ptr<const Value> get(double eps, Make&& make) {
    {
      std::lock_guard lock(mutex_);
      if (const auto it = values_.find(eps); it != values_.end()) return it->second;
    }
    auto value = std::make_shared<const Value>(make());
    std::lock_guard lock(mutex_);
    return values_.emplace(eps, std::move(value)).first->second;
  }

 private:
  std::mutex mutex_;
  std::map<double, std::shared_ptr<const Value>> values_;
};

}  // namespace privqa
