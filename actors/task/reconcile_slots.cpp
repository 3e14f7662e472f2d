#include "actors/task/reconcile_slots.hpp"

#include <algorithm>

namespace kelos::task {

bool reconcile_slots::acquire(uint64_t owner, std::function<void()> grant) {
  std::lock_guard lock{mu_};
  if (holders_.count(owner) > 0)
    return true;
  if (std::any_of(queue_.begin(), queue_.end(), [&](const waiter& w) { return w.owner == owner; }))
    return false;
  if (capacity_ == 0 || holders_.size() < capacity_) {
    holders_.insert(owner);
    notify();
    return true;
  }
  queue_.push_back({owner, std::move(grant)});
  notify();
  return false;
}

void reconcile_slots::release(uint64_t owner) {
  std::function<void()> grant;
  {
    std::lock_guard lock{mu_};
    if (holders_.erase(owner) == 0) {
      auto it = std::find_if(queue_.begin(), queue_.end(), [&](const waiter& w) { return w.owner == owner; });
      if (it != queue_.end()) {
        queue_.erase(it);
        notify();
      }
      return;
    }
    if (!queue_.empty()) {
      auto next = std::move(queue_.front());
      queue_.pop_front();
      holders_.insert(next.owner);
      grant = std::move(next.grant);
    }
    notify();
  }
  if (grant)
    grant();
}

void reconcile_slots::observe(observer fn) {
  std::lock_guard lock{mu_};
  observer_ = std::move(fn);
  notify();
}

void reconcile_slots::notify() const {
  if (observer_)
    observer_(holders_.size(), queue_.size());
}

std::size_t reconcile_slots::in_use() const {
  std::lock_guard lock{mu_};
  return holders_.size();
}

std::size_t reconcile_slots::waiting() const {
  std::lock_guard lock{mu_};
  return queue_.size();
}

} // namespace kelos::task
