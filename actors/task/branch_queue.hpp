#pragma once

/// Mutual exclusion of Tasks that work on the same branch (seed §2.5), as a plain data
/// structure in the Task controller's state.
///
/// ```
///  task actor ──acquire(key)──▶ branch_queue ──true──▶ create the Job
///                                    │ false: queued; status Waiting (waiting_message)
///  holder turns terminal / is deleted / Job creation fails
///             ──release(task)──▶ branch_queue ──grants──▶ wake each granted task by message
/// ```
///
/// Differences from the seed, all deliberate:
/// 1. **Explicit FIFO.** Waiters are ordered by (creationTimestamp, name) and the lock is
///    handed to the first waiter on release; the seed re-derived the order by listing Tasks
///    on every 10 s requeue.
/// 2. **Only Tasks that asked are queued.** The seed counted any earlier `Waiting` Task with
///    the same key as queued ahead, even one waiting for a dependency.
/// 3. **Every release point releases** (terminal phase, deletion, Job creation failure), so
///    the seed's leaked lock after a failed `createJob` (seed §11 item 14) cannot happen if
///    the caller releases on that path.
///
/// Invariant: a key with no holder has no waiters (release hands over at once), so a waiter
/// is always behind a holder that will eventually release and wake it.

#include "actors/task/task_id.hpp"
#include "k8s/time.hpp"

#include <compare>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::task {

/// What a branch lock is keyed by. The same branch in different workspaces (or namespaces)
/// does not conflict; an empty `workspace` (a Task with a branch but no workspaceRef) is a
/// key like any other, as in the seed (`:<branch>`).
struct branch_key {
  std::string namespace_;
  std::string workspace;
  std::string branch;

  friend bool operator==(const branch_key&, const branch_key&) = default;
  friend std::strong_ordering operator<=>(const branch_key&, const branch_key&) = default;
};

/// FIFO locks per `branch_key`. Not thread-safe: owned by one actor.
class branch_queue {
public:
  /// A lock handed to a waiter by `release`.
  struct grant {
    task_id task;
    branch_key key;
    friend bool operator==(const grant&, const grant&) = default;
  };

  /// Asks for the lock on `key`. Idempotent. Returns true when `task` holds it (now or
  /// already); otherwise `task` is queued once, in order of (`created`, name), and false is
  /// returned. A queued task that asks again stays where it is (its first `created` counts).
  bool acquire(const branch_key& key, const task_id& task, k8s::time_point created);

  /// Records a holder observed after a restart (a Task in Pending or Running). Allowed at
  /// any time, including before any grant; several holders on one key are tolerated (the
  /// key is free only when all have released). Idempotent; removes `task` from the queue
  /// of `key` if it was waiting there.
  void restore(const branch_key& key, const task_id& task);

  /// Releases everything `task` holds or waits for (terminal phase, deletion, Job creation
  /// failure). Returns the tasks that hold a lock because of this release, in order, so the
  /// caller can wake them. Releasing a task that holds nothing is a no-op.
  std::vector<grant> release(const task_id& task);

  /// True while `task` holds or waits for any lock: only then can `release(task)` change
  /// anything.
  bool involves(const task_id& task) const { return keys_of_.count(task) != 0; }

  /// The current holders of `key` (normally zero or one), in the order they got the lock.
  std::vector<task_id> holders(const branch_key& key) const;

  /// The tasks queued on `key`, first in line first.
  std::vector<task_id> waiters(const branch_key& key) const;

  /// The message for `task`'s Waiting status (seed wording):
  /// - `Waiting for branch "<b>" (locked by <holder>)` while someone holds `key`;
  /// - `Waiting for branch "<b>" (queued behind <t>)` when the key is free but `t`, the
  ///   first in line, is queued ahead of `task` (a task that is not queued is behind all);
  /// - empty when nothing stands between `task` and the lock.
  /// Names are Task names without the namespace; the key is rendered as its branch only.
  std::string waiting_message(const branch_key& key, const task_id& task) const;

  /// How every `waiting_message` begins: after a restart, a Task whose status message
  /// starts so was waiting for a branch.
  static constexpr std::string_view waiting_prefix = "Waiting for branch ";

private:
  struct waiter {
    k8s::time_point created;
    task_id task;
    friend bool operator==(const waiter&, const waiter&) = default;
    friend auto operator<=>(const waiter&, const waiter&) = default;
  };

  struct lock_state {
    std::vector<task_id> holders;
    std::vector<waiter> queue; // sorted by (created, task)
  };

  /// The state of every key with a holder or a waiter; keys without either are erased.
  std::map<branch_key, lock_state> locks_;
  /// Reverse index: the keys each task holds or waits for.
  std::map<task_id, std::set<branch_key>> keys_of_;
};

} // namespace kelos::task
