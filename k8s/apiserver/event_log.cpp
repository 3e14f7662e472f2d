#include "k8s/apiserver/event_log.hpp"

#include <algorithm>

namespace kelos::apiserver {

event_log::event_log(size_t capacity, int64_t start_rv) : capacity_(capacity), floor_(start_rv) {}

void event_log::append(log_entry e) {
  if (capacity_ == 0) {
    floor_ = e.rv;
    return;
  }
  if (entries_.size() == capacity_) {
    floor_ = entries_.front().rv;
    entries_.pop_front();
  }
  entries_.push_back(std::move(e));
}

void event_log::reset(int64_t rv) {
  entries_.clear();
  floor_ = rv;
}

size_t event_log::first_after(int64_t after) const {
  // RVs are contiguous, but a binary search keeps this correct even if they were not.
  auto it = std::upper_bound(entries_.begin(), entries_.end(), after,
                             [](int64_t v, const log_entry& e) { return v < e.rv; });
  return static_cast<size_t>(it - entries_.begin());
}

} // namespace kelos::apiserver
