#include "runtime/waiting_counts.hpp"

namespace kelos::metrics {

void waiting_counts::set(uint64_t owner, std::optional<wait_reason> reason, std::size_t n) {
  std::lock_guard lock{mu_};
  auto it = owners_.find(owner);
  if (it != owners_.end()) {
    if (reason && n > 0 && it->second.reason == *reason && it->second.n == n)
      return;
    auto old = it->second.reason;
    totals_[static_cast<std::size_t>(old)] -= it->second.n;
    owners_.erase(it);
    publish(old);
  }
  if (!reason || n == 0)
    return;
  owners_.emplace(owner, entry{*reason, n});
  totals_[static_cast<std::size_t>(*reason)] += n;
  publish(*reason);
}

std::size_t waiting_counts::count(wait_reason reason) const {
  std::lock_guard lock{mu_};
  return totals_[static_cast<std::size_t>(reason)];
}

void waiting_counts::publish(wait_reason reason) const {
  if (gauges_)
    gauges_.with({to_string(reason)}).set(static_cast<double>(totals_[static_cast<std::size_t>(reason)]));
}

} // namespace kelos::metrics
