#pragma once

/// Bookkeeping behind `kelos_tasks_waiting{reason}`: each owner (a TASK actor, or a SPAWNER
/// actor for the work items it holds back) contributes `n` to exactly one reason, or
/// nothing. Setting an owner again replaces its previous contribution, so an owner is
/// never counted twice or under two reasons; `clear` (on exit) takes it out. The totals
/// are pushed to the gauge family (if any) on every change. Pure and thread-safe.

#include "runtime/controller_metrics.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

namespace kelos::metrics {

class waiting_counts {
public:
  /// `gauges` may be empty (no metrics): the counts are kept all the same.
  explicit waiting_counts(gauge_family gauges = {}) : gauges_(std::move(gauges)) {}

  /// `owner` now contributes `n` under `reason`; nullopt or n == 0 means it waits for nothing.
  void set(uint64_t owner, std::optional<wait_reason> reason, std::size_t n = 1);

  /// Takes `owner` out (idempotent).
  void clear(uint64_t owner) { set(owner, std::nullopt, 0); }

  /// The total under `reason`.
  std::size_t count(wait_reason reason) const;

private:
  struct entry {
    wait_reason reason;
    std::size_t n;
  };
  void publish(wait_reason reason) const; // with mu_ held
  gauge_family gauges_;
  mutable std::mutex mu_;
  std::map<uint64_t, entry> owners_;
  std::array<std::size_t, 3> totals_{};
};

} // namespace kelos::metrics
