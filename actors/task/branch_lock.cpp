// The BRANCH lock: one Pending/Running Task per (namespace, workspace, branch), FIFO by
// creation time (pure `branch_queue`). After a restart it rebuilds the holders from the
// observed Task status (Pending/Running) and re-queues the Tasks that were waiting for a
// branch, oldest first, before it answers any request. Locks are released when a Task
// reaches a terminal phase, is deleted, or gives its lock back (Job creation failed);
// the next waiter is woken by message, the others queued on that branch too (their
// Waiting message names the holder).

#include "actors/task/task_supervisor.hpp"

#include "runtime/caf_error.hpp"
#include "runtime/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
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

bool holds_branch(const k8s::task_view& t) {
  return !t.branch.empty() && !t.meta.is_deleting() && (t.phase == "Pending" || t.phase == "Running");
}

/// Restart recovery: holders from status, then earlier branch waiters in FIFO order.
void rebuild(self_ptr self, const std::vector<k8s::json>& items) {
  auto& st = self->state;
  std::vector<k8s::task_view> waiting;
  size_t holders = 0;
  for (const auto& obj : items) {
    auto t = k8s::parse_task(obj);
    branch_key key{t.meta.namespace_, t.workspace, t.branch};
    if (holds_branch(t)) {
      st.queue.restore(key, task_id{t.meta.namespace_, t.meta.name});
      ++holders;
    } else if (!t.branch.empty() && t.phase == "Waiting" && !t.meta.is_deleting()) {
      const k8s::json* msg = k8s::find_path(obj, "status.message");
      if (msg && msg->is_string() && msg->get<std::string>().rfind("Waiting for branch", 0) == 0)
        waiting.push_back(std::move(t));
    }
  }
  std::sort(waiting.begin(), waiting.end(), [](const auto& a, const auto& b) {
    auto ca = a.meta.creation_timestamp.value_or(k8s::time_point{});
    auto cb = b.meta.creation_timestamp.value_or(k8s::time_point{});
    return std::tie(ca, a.meta.name) < std::tie(cb, b.meta.name);
  });
  for (const auto& t : waiting) {
    task_id id{t.meta.namespace_, t.meta.name};
    if (st.queue.acquire(branch_key{t.meta.namespace_, t.workspace, t.branch}, id,
                         t.meta.creation_timestamp.value_or(k8s::time_point{})))
      self->send(st.supervisor, atom::wake::value, id);
  }
  logging::info({"branch lock", ""}, "restored {} holders and {} waiters from Task status", holders, waiting.size());
}

void on_task(self_ptr self, const k8s::object_ref& ref) {
  auto& st = self->state;
  self->request(st.kube, caf::infinite, atom::get::value, tasks_spec(*st.ctx), ref)
    .then(
      [=](json_doc& doc) {
        if (doc.value.is_null())
          return;
        auto t = k8s::parse_task(doc.value);
        if (t.is_terminal() || t.meta.is_deleting())
          release(self, task_id{ref.namespace_, ref.name});
      },
      [=](caf::error& err) {
        logging::debug({"branch lock", ref.to_string()}, "reading: {}", from_caf_error(err).render());
      });
}

caf::behavior lock(self_ptr self, kube_actor kube, caf::actor supervisor, std::shared_ptr<const controller_context> ctx) {
  auto& st = self->state;
  st.kube = std::move(kube);
  st.supervisor = std::move(supervisor);
  st.ctx = std::move(ctx);
  self->request(st.kube, caf::infinite, atom::subscribe::value, tasks_spec(*st.ctx), caf::actor_cast<caf::actor>(self))
    .then([](atom::ok) {}, [=](caf::error& err) { self->quit(err); });
  return {
    [=](atom::apply, const watch_spec&, const k8s::object_ref& ref) {
      if (self->state.synced)
        on_task(self, ref);
    },
    [=](atom::remove, const watch_spec&, const k8s::object_ref& ref) {
      release(self, task_id{ref.namespace_, ref.name});
    },
    [=](atom::synced, const watch_spec& spec) {
      if (self->state.synced)
        return;
      self->request(self->state.kube, caf::infinite, atom::list::value, spec, std::string{})
        .then(
          [=](object_list& list) {
            auto& st = self->state;
            rebuild(self, list.items);
            st.synced = true;
            auto pending = std::move(st.deferred);
            st.deferred.clear();
            for (auto& d : pending)
              answer(self, d.key, d.id, d.created, d.promise);
          },
          [=](caf::error& err) { self->quit(err); });
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
