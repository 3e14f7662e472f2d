#pragma once

/// A bound on how many Task reconciles run at once (controller-runtime's
/// MaxConcurrentReconciles), shared by every TASK actor of a controller.
///
/// Why: a burst of N new Tasks otherwise starts N reconciles that all advance round-robin
/// through the one KUBE actor, so every Task waits for the whole burst (p50 ≈ half the
/// burst's duration) and N snapshots, plans and replies are alive at the same time (the
/// controller's peak memory). With a bound, Tasks are admitted in FIFO order and each holds
/// its slot until it settles, so the first Tasks get their Jobs first.
///
/// Thread-safe. Grants run outside the lock, on the releasing thread; they must only hand
/// off (send a message), never block.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <unordered_set>

namespace kelos::task {

class reconcile_slots {
public:
  /// `capacity` 0 means unbounded (every acquire succeeds at once).
  explicit reconcile_slots(std::size_t capacity) : capacity_(capacity) {}

  /// Takes a slot for `owner` and returns true, or queues `grant` (called once a slot has
  /// been taken for `owner` on its behalf) and returns false. An owner that already holds a
  /// slot or waits for one gets true / false again without a second entry.
  bool acquire(uint64_t owner, std::function<void()> grant);

  /// Gives back `owner`'s slot (the oldest waiter gets it), or removes `owner` from the
  /// queue. Idempotent: an owner that neither holds nor waits is ignored, so it is safe to
  /// call on every exit path.
  void release(uint64_t owner);

  std::size_t in_use() const;
  std::size_t waiting() const;
  std::size_t capacity() const { return capacity_; }

  /// Called with (in use, waiting) after every change, under the slots' lock, so calls
  /// arrive in order; it must only record (set gauges), never call back into the slots.
  using observer = std::function<void(std::size_t in_use, std::size_t waiting)>;
  /// Installs `fn` and calls it once with the current numbers.
  void observe(observer fn);

private:
  struct waiter {
    uint64_t owner;
    std::function<void()> grant;
  };
  void notify() const; // with mu_ held
  const std::size_t capacity_;
  mutable std::mutex mu_;
  observer observer_;
  std::unordered_set<uint64_t> holders_;
  std::deque<waiter> queue_;
};

} // namespace kelos::task
