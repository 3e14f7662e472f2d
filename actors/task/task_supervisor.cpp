#include "actors/task/task_supervisor.hpp"

#include "actors/task/cache_projection.hpp"
#include "actors/task/cache_read.hpp"
#include "actors/task/task_actor.hpp"
#include "runtime/caf_error.hpp"
#include "runtime/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <map>
#include <optional>
#include <set>

namespace kelos::task {
namespace {

struct supervisor_state {
  kube_actor kube;
  std::shared_ptr<const controller_context> ctx;
  std::shared_ptr<std::atomic<bool>> ready_flag;
  caf::actor gate;
  caf::actor lock;
  std::set<watch_spec> unsynced;
  bool ready = false;
  /// Tasks seen in the cache (before and after readiness).
  std::set<task_id> known;
  std::map<task_id, caf::actor> actors;
  std::map<caf::actor_addr, task_id> by_addr;
  /// Tasks waiting for a referenced object to appear.
  std::map<k8s::object_ref, std::set<task_id>> ref_waiters;

  ~supervisor_state() {
    // CAF 0.17 destroys state before attach_functor runs: children are stopped here.
    for (auto& [id, a] : actors)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    if (gate)
      caf::anon_send_exit(gate, caf::exit_reason::user_shutdown);
    if (lock)
      caf::anon_send_exit(lock, caf::exit_reason::user_shutdown);
  }
  static inline const char* name = "kelos.task-supervisor";
};

using self_ptr = caf::stateful_actor<supervisor_state>*;

task_id id_of(const k8s::object_ref& ref) { return task_id{ref.namespace_, ref.name}; }

void ensure_actor(self_ptr self, const task_id& id) {
  auto& st = self->state;
  auto it = st.actors.find(id);
  if (it == st.actors.end()) {
    auto a = spawn_task_actor(self, id, st.kube, caf::actor_cast<caf::actor>(self), st.gate, st.lock, st.ctx);
    st.by_addr.emplace(a.address(), id);
    it = st.actors.emplace(id, std::move(a)).first;
  }
  self->send(it->second, atom::reconcile::value);
}

void route(self_ptr self, const task_id& id) {
  auto& st = self->state;
  if (!st.ready)
    return;
  auto it = st.actors.find(id);
  if (it != st.actors.end())
    self->send(it->second, atom::reconcile::value);
}

void stop_actor(self_ptr self, const task_id& id) {
  auto& st = self->state;
  auto it = st.actors.find(id);
  if (it == st.actors.end())
    return;
  st.by_addr.erase(it->second.address());
  self->demonitor(it->second);
  self->send_exit(it->second, caf::exit_reason::user_shutdown);
  st.actors.erase(it);
}

void become_ready(self_ptr self) {
  auto& st = self->state;
  st.ready = true;
  logging::info({"task controller", ""}, "caches synced, reconciling {} Tasks", st.known.size());
  for (const auto& id : st.known)
    ensure_actor(self, id);
  if (st.ready_flag)
    st.ready_flag->store(true);
}

void on_pod(self_ptr self, const k8s::object_ref& ref) {
  auto& st = self->state;
  read_cached(
    self, st.kube, st.ctx->caches.get(), pods_spec(*st.ctx), ref,
    [self, ref](k8s::json pod) {
      if (pod.is_null())
        return;
      const k8s::json* task = k8s::find_path(pod, "metadata.labels");
      if (!task || !task->is_object() || !task->contains("kelos.dev/task") || !(*task)["kelos.dev/task"].is_string())
        return;
      task_id id{ref.namespace_, (*task)["kelos.dev/task"].get<std::string>()};
      auto& st = self->state;
      auto it = st.actors.find(id);
      if (st.ready && it != st.actors.end())
        self->send(it->second, atom::pod::value, ref.name);
    },
    [ref](caf::error& err) {
      logging::debug({"task controller", ref.to_string()}, "reading: {}", from_caf_error(err).render());
    });
}

/// The cache spec a waited-for reference lives in.
std::optional<watch_spec> spec_of_ref(const controller_context& ctx, std::string_view kind) {
  if (kind == "Workspace")
    return workspaces_spec(ctx);
  if (kind == "AgentConfig")
    return agent_configs_spec(ctx);
  if (kind == "Secret")
    return secrets_spec(ctx);
  return std::nullopt;
}

/// Wakes `id` when `ref` is applied. The object may have appeared between the Task's cache
/// read and this message, its `apply` already handled with nobody waiting: a first
/// registration therefore looks into the cache once (any later apply reaches us after the
/// registration). The registration stays after that look, so a Task that still sees the
/// object as missing (undecodable) and asks again is not woken in a loop.
void watch_ref(self_ptr self, const k8s::object_ref& ref, const task_id& id) {
  auto& st = self->state;
  if (!st.ref_waiters[ref].insert(id).second)
    return;
  auto spec = spec_of_ref(*st.ctx, ref.kind);
  if (!spec)
    return;
  read_cached(
    self, st.kube, st.ctx->caches.get(), *spec, ref,
    [self, id](k8s::json obj) {
      if (!obj.is_null())
        route(self, id);
    },
    [ref](caf::error& err) {
      logging::debug({"task controller", ref.to_string()}, "reading: {}", from_caf_error(err).render());
    });
}

caf::behavior supervisor(self_ptr self, kube_actor kube, std::shared_ptr<const controller_context> ctx,
                         std::shared_ptr<std::atomic<bool>> ready) {
  auto& st = self->state;
  st.kube = std::move(kube);
  st.ctx = std::move(ctx);
  st.ready_flag = std::move(ready);
  auto me = caf::actor_cast<caf::actor>(self);
  st.gate = spawn_dependency_gate(self, st.kube, me, st.ctx);
  st.lock = spawn_branch_lock(self, st.kube, me, st.ctx);
  for (auto spec : {tasks_spec(*st.ctx), jobs_spec(*st.ctx), pods_spec(*st.ctx), workspaces_spec(*st.ctx),
                    agent_configs_spec(*st.ctx), secrets_spec(*st.ctx)}) {
    st.unsynced.insert(spec);
    self->request(st.kube, caf::infinite, atom::subscribe::value, spec, me)
      .then([](atom::ok) {},
            [=](caf::error& err) {
              logging::error({"task controller", spec.to_string()}, "subscribing: {}", from_caf_error(err).render());
              self->quit(err);
            });
  }
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& st = self->state;
    auto it = st.by_addr.find(msg.source);
    if (it == st.by_addr.end())
      return;
    task_id id = it->second;
    st.by_addr.erase(it);
    st.actors.erase(id);
    logging::error({"task controller", to_string(id)}, "actor of the Task stopped ({}); restarting it",
                   caf::to_string(msg.reason));
    if (st.known.count(id))
      ensure_actor(self, id);
  });
  return {
    [=](atom::apply, const watch_spec& spec, const k8s::object_ref& ref) {
      auto& st = self->state;
      if (spec.kind == "Task") {
        auto id = id_of(ref);
        st.known.insert(id);
        if (st.ready)
          ensure_actor(self, id);
      } else if (spec.kind == "Job") {
        route(self, id_of(ref));
      } else if (spec.kind == "Pod") {
        on_pod(self, ref);
      } else {
        auto it = st.ref_waiters.find(ref);
        if (it == st.ref_waiters.end())
          return;
        auto waiters = std::move(it->second);
        st.ref_waiters.erase(it);
        for (const auto& id : waiters)
          route(self, id);
      }
    },
    [=](atom::remove, const watch_spec& spec, const k8s::object_ref& ref) {
      auto& st = self->state;
      if (spec.kind == "Task") {
        auto id = id_of(ref);
        st.known.erase(id);
        stop_actor(self, id);
        for (auto it = st.ref_waiters.begin(); it != st.ref_waiters.end();) {
          it->second.erase(id);
          it = it->second.empty() ? st.ref_waiters.erase(it) : std::next(it);
        }
      } else if (spec.kind == "Job") {
        route(self, id_of(ref));
      }
    },
    [=](atom::synced, const watch_spec& spec) {
      auto& st = self->state;
      if (st.unsynced.erase(spec) && st.unsynced.empty() && !st.ready)
        become_ready(self);
    },
    [=](atom::wake, const task_id& id) { route(self, id); },
    [=](atom::watch_ref, const k8s::object_ref& ref, const task_id& id) { watch_ref(self, ref, id); },
  };
}

} // namespace

watch_spec tasks_spec(const controller_context& ctx) {
  return {std::string{k8s::kelos_api_version}, "Task", ctx.watch_namespace, ""};
}
watch_spec jobs_spec(const controller_context& ctx) { return {"batch/v1", "Job", ctx.watch_namespace, "kelos.dev/task"}; }
watch_spec pods_spec(const controller_context& ctx) { return {"v1", "Pod", ctx.watch_namespace, "kelos.dev/task"}; }
watch_spec workspaces_spec(const controller_context& ctx) {
  return {std::string{k8s::kelos_api_version}, "Workspace", ctx.watch_namespace, ""};
}
watch_spec agent_configs_spec(const controller_context& ctx) {
  return {std::string{k8s::kelos_api_version}, "AgentConfig", ctx.watch_namespace, ""};
}
watch_spec secrets_spec(const controller_context& ctx) { return {"v1", "Secret", ctx.watch_namespace, ""}; }

const k8s::resource_info& resource_of(std::string_view api_version, std::string_view kind) {
  static const auto registry = k8s::resource_registry::with_builtins();
  return *registry.by_kind(api_version, kind);
}

k8s::json project_cached(const watch_spec& spec, k8s::json&& object) {
  return project_for_task_controller(spec.kind, std::move(object));
}

std::optional<k8s::filter_node> decode_filter_cached(const watch_spec& spec) {
  return decode_filter_for_task_controller(spec.kind);
}

caf::actor spawn_task_supervisor(caf::actor_system& sys, kube_actor kube, std::shared_ptr<const controller_context> ctx,
                                 std::shared_ptr<std::atomic<bool>> ready) {
  return sys.spawn(supervisor, std::move(kube), std::move(ctx), std::move(ready));
}

} // namespace kelos::task
