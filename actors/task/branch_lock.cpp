// The BRANCH lock: one Pending/Running Task per (namespace, workspace, branch), FIFO by
// creation time (pure `branch_queue`). After a restart, once the Task and Job caches have
// synced, it rebuilds the holders (Pending/Running, or a Job exists: `branch_restore`) and
// re-queues the Tasks that were waiting for a branch, oldest first, before it answers any
// request. Locks are released when a Task reaches a terminal phase, is deleted, or gives
// its lock back (Job creation failed); the next waiter is woken by message, the others
// queued on that branch too (their Waiting message names the holder).

#include "actors/task/task_supervisor.hpp"

#include "actors/task/branch_restore.hpp"
#include "actors/task/cache_read.hpp"

#include "runtime/caf_error.hpp"
#include "runtime/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <spdlog/spdlog.h>

#include <memory>
#include <set>

namespace kelos::task {
namespace {

using lock_promise = caf::typed_response_promise<bool, std::string>;

struct deferred_acquire {
  branch_key key;
  task_id id;
  k8s::time_point created;
  lock_promise promise;
};

struct lock_state {
  kube_actor kube;
  caf::actor supervisor;
  std::shared_ptr<const controller_context> ctx;
  branch_queue queue;
  bool synced = false;
  std::set<std::string> unsynced; // kinds whose cache has not synced yet
  std::vector<deferred_acquire> deferred;
  static inline const char* name = "kelos.branch-lock";
};

using self_ptr = caf::stateful_actor<lock_state>*;

void wake(self_ptr self, const std::vector<branch_queue::grant>& grants) {
  for (const auto& g : grants) {
    logging::debug({"branch lock", to_string(g.task)}, "now holds branch \"{}\"", g.key.branch);
    self->send(self->state.supervisor, atom::wake::value, g.task);
  }
}

/// Releases `id`, wakes the new holders, and wakes the Tasks still queued on the keys that
/// changed hands so their Waiting message names the new holder (not the finished one).
void release(self_ptr self, const task_id& id) {
  auto& q = self->state.queue;
  auto grants = q.release(id);
  wake(self, grants);
  std::set<branch_key> handed_over;
  for (const auto& g : grants)
    handed_over.insert(g.key);
  for (const auto& key : handed_over)
    for (const auto& waiter : q.waiters(key))
      self->send(self->state.supervisor, atom::wake::value, waiter);
}

void answer(self_ptr self, const branch_key& key, const task_id& id, k8s::time_point created, lock_promise& rp) {
  auto& q = self->state.queue;
  bool granted = q.acquire(key, id, created);
  rp.deliver(granted, granted ? std::string{} : q.waiting_message(key, id));
}

/// Restart recovery (`plan_branch_restore`): holders, then earlier branch waiters in FIFO
/// order; a waiter that gets a free branch is woken.
void rebuild(self_ptr self, const std::vector<k8s::json>& tasks, const std::vector<k8s::json>& jobs) {
  auto& st = self->state;
  auto plan = plan_branch_restore(tasks, jobs);
  size_t from_jobs = 0;
  for (const auto& h : plan.holders) {
    st.queue.restore(h.key, h.task);
    if (h.from_job) {
      ++from_jobs;
      logging::info({"branch lock", to_string(h.task)}, "holds branch \"{}\": its Job exists, its status not yet written",
                    h.key.branch);
    }
  }
  for (const auto& w : plan.waiters)
    if (st.queue.acquire(w.key, w.task, w.created))
      self->send(st.supervisor, atom::wake::value, w.task);
  logging::info({"branch lock", ""}, "restored {} holders ({} from their Job) and {} waiters", plan.holders.size(),
                from_jobs, plan.waiters.size());
}

/// Both caches synced: list them, rebuild, stop following Jobs, answer the deferred asks.
/// Jobs first: Task events are acted on from the rebuild on, so the Task list must be the
/// last thing read before it (a Task removed between two reads would otherwise be restored
/// as a holder after its release). No branch Task gets a new Job meanwhile: its Job needs
/// a grant, and grants wait for the rebuild.
void restore(self_ptr self) {
  auto& st = self->state;
  self->request(st.kube, caf::infinite, atom::list::value, jobs_spec(*st.ctx), std::string{})
    .then(
      [=](object_list& listed_jobs) {
        auto jobs = std::make_shared<std::vector<k8s::json>>(std::move(listed_jobs.items));
        auto& st = self->state;
        self->request(st.kube, caf::infinite, atom::list::value, tasks_spec(*st.ctx), std::string{})
          .then(
            [=](object_list& tasks) {
              auto& st = self->state;
              rebuild(self, tasks.items, *jobs);
              st.synced = true;
              self->send(st.kube, atom::unsubscribe::value, jobs_spec(*st.ctx), caf::actor_cast<caf::actor>(self));
              auto pending = std::move(st.deferred);
              st.deferred.clear();
              for (auto& d : pending)
                answer(self, d.key, d.id, d.created, d.promise);
            },
            [=](caf::error& err) { self->quit(err); });
      },
      [=](caf::error& err) { self->quit(err); });
}

/// A Task changed: a holder or waiter that turned terminal or is being deleted lets go.
/// Tasks that hold and wait for nothing (most: no branch, or not yet asked) are not read.
void on_task(self_ptr self, const k8s::object_ref& ref) {
  auto& st = self->state;
  if (!st.queue.involves(task_id{ref.namespace_, ref.name}))
    return;
  read_cached(
    self, st.kube, st.ctx->caches.get(), tasks_spec(*st.ctx), ref,
    [self, ref](k8s::json task) {
      if (task.is_null())
        return;
      auto t = k8s::parse_task(task);
      if (t.is_terminal() || t.meta.is_deleting())
        release(self, task_id{ref.namespace_, ref.name});
    },
    [ref](caf::error& err) {
      logging::debug({"branch lock", ref.to_string()}, "reading: {}", from_caf_error(err).render());
    });
}

caf::behavior lock(self_ptr self, kube_actor kube, caf::actor supervisor, std::shared_ptr<const controller_context> ctx) {
  auto& st = self->state;
  st.kube = std::move(kube);
  st.supervisor = std::move(supervisor);
  st.ctx = std::move(ctx);
  // Jobs only until the restore: a Task with a Job holds its branch whatever its status.
  st.unsynced = {"Task", "Job"};
  for (auto spec : {tasks_spec(*st.ctx), jobs_spec(*st.ctx)})
    self->request(st.kube, caf::infinite, atom::subscribe::value, spec, caf::actor_cast<caf::actor>(self))
      .then([](atom::ok) {}, [=](caf::error& err) { self->quit(err); });
  return {
    [=](atom::apply, const watch_spec& spec, const k8s::object_ref& ref) {
      if (self->state.synced && spec.kind == "Task")
        on_task(self, ref);
    },
    [=](atom::remove, const watch_spec& spec, const k8s::object_ref& ref) {
      if (spec.kind == "Task")
        release(self, task_id{ref.namespace_, ref.name});
    },
    [=](atom::synced, const watch_spec& spec) {
      auto& st = self->state;
      if (st.synced || !st.unsynced.erase(spec.kind) || !st.unsynced.empty())
        return;
      restore(self);
    },
    [=](atom::acquire, const branch_key& key, const task_id& id, int64_t created_us) -> caf::result<bool, std::string> {
      auto rp = self->make_response_promise<bool, std::string>();
      k8s::time_point created{std::chrono::microseconds{created_us}};
      if (!self->state.synced)
        self->state.deferred.push_back(deferred_acquire{key, id, created, rp});
      else
        answer(self, key, id, created, rp);
      return rp;
    },
    [=](atom::release, const task_id& id) { release(self, id); },
  };
}

} // namespace

caf::actor spawn_branch_lock(caf::local_actor* parent, kube_actor kube, caf::actor supervisor,
                             std::shared_ptr<const controller_context> ctx) {
  return parent->spawn(lock, std::move(kube), std::move(supervisor), std::move(ctx));
}

} // namespace kelos::task
