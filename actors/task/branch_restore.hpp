#pragma once

/// Restart recovery of the BRANCH lock, as a pure function of the Task and Job caches.
///
/// A Task holds its branch when its status says so (Pending or Running) **or** when a Job
/// it controls exists while the Task is not terminal: the controller can stop after it
/// created the Job and before it wrote the Pending status, and that Task's next reconcile
/// follows the Job (it never asks for the lock again). Counting only the status would hand
/// the branch to a waiter while that Job runs.
///
/// Waiters are the Tasks whose status says they were waiting for a branch, oldest first
/// (creationTimestamp, then name), so the FIFO order survives the restart.

#include "actors/task/branch_queue.hpp"
#include "k8s/json.hpp"
#include "k8s/time.hpp"

#include <vector>

namespace kelos::task {

struct branch_restore_plan {
  struct holder {
    branch_key key;
    task_id task;
    bool from_job = false; // held because of its Job, the status not written yet
    friend bool operator==(const holder&, const holder&) = default;
  };
  struct waiter {
    branch_key key;
    task_id task;
    k8s::time_point created;
    friend bool operator==(const waiter&, const waiter&) = default;
  };
  std::vector<holder> holders;
  std::vector<waiter> waiters; // oldest first
};

/// Who holds and who waits for each branch, from every Task and every Task-labelled Job.
/// Deleting Tasks neither hold nor wait (deletion releases the lock). A Task that both
/// waited and has a Job is a holder.
branch_restore_plan plan_branch_restore(const std::vector<k8s::json>& tasks, const std::vector<k8s::json>& jobs);

} // namespace kelos::task
