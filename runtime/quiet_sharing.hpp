#pragma once

// A CAF 0.17 scheduler policy: CAF's work sharing (one central FIFO queue) with fewer
// thread wake-ups. Loaded as the scheduler module by `configure_actor_system`.

#include <caf/policy/unprofiled.hpp>
#include <caf/resumable.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace kelos {

/// Work sharing as `caf::policy::work_sharing` (one central FIFO queue, FIFO order kept),
/// with three differences, each measured in the Task benchmark (bench/README.md):
/// 1. A sleeping worker is woken after the queue's lock is released, so it does not wake
///    only to block on that lock (CAF notifies while holding it).
/// 2. A job that a worker enqueues itself (an actor sending from a worker) wakes a sleeping
///    worker only when a job already waits before it: the sending worker takes the queue's
///    next job when its current one ends, so waking a second worker for a single job
///    bounces work between threads (two futex calls and a context switch per message).
///    Jobs from other threads (HTTP I/O, timers, shutdown) always wake a sleeper.
/// 3. The queue is a deque: no allocation per enqueued job.
///
/// Fairness and the shutdown protocol are unchanged: every job is taken in FIFO order by
/// whichever worker dequeues next, and CAF's shutdown helpers are external enqueues.
class quiet_sharing : public caf::policy::unprofiled {
public:
  struct coordinator_data {
    explicit coordinator_data(caf::scheduler::abstract_coordinator*) {}
    std::deque<caf::resumable*> queue;
    std::mutex lock;
    std::condition_variable cv;
    /// Workers waiting on `cv`.
    std::size_t sleepers = 0;
  };

  struct worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator*) {}
  };

  template <class Coordinator>
  void enqueue(Coordinator* self, caf::resumable* job, bool from_worker) {
    auto& data = d(self);
    bool wake = false;
    {
      std::lock_guard<std::mutex> guard(data.lock);
      data.queue.push_back(job);
      wake = data.sleepers > 0 && (!from_worker || data.queue.size() > 1);
    }
    if (wake)
      data.cv.notify_one();
  }

  template <class Coordinator>
  void central_enqueue(Coordinator* self, caf::resumable* job) {
    enqueue(self, job, false);
  }

  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    enqueue(self->parent(), job, false);
  }

  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    enqueue(self->parent(), job, true);
  }

  template <class Worker>
  void resume_job_later(Worker* self, caf::resumable* job) {
    enqueue(self->parent(), job, true);
  }

  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    auto& data = d(self->parent());
    std::unique_lock<std::mutex> guard(data.lock);
    while (data.queue.empty()) {
      ++data.sleepers;
      data.cv.wait(guard);
      --data.sleepers;
    }
    auto* job = data.queue.front();
    data.queue.pop_front();
    // More work waits and a worker sleeps: let it help (a burst from one sender woke
    // nobody in `enqueue`).
    const bool wake = !data.queue.empty() && data.sleepers > 0;
    guard.unlock();
    if (wake)
      data.cv.notify_one();
    return job;
  }

  template <class Worker, class UnaryFunction>
  void foreach_resumable(Worker*, UnaryFunction) {}

  template <class Coordinator, class UnaryFunction>
  void foreach_central_resumable(Coordinator* self, UnaryFunction f) {
    auto& data = d(self);
    std::lock_guard<std::mutex> guard(data.lock);
    while (!data.queue.empty()) {
      auto* job = data.queue.front();
      data.queue.pop_front();
      f(job);
    }
  }
};

} // namespace kelos
