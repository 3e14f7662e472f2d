// The DEPENDENCY gate: holds the `dependsOn` graph of every Task (pure
// `dependency_graph`), answers TASK actors' checks, and wakes dependents by message
// when a Task they depend on appears, changes phase or disappears. Checks that arrive
// before the Task cache has synced wait for it.

#include "actors/task/task_supervisor.hpp"

#include "actors/task/cache_read.hpp"

#include "runtime/caf_error.hpp"
#include "runtime/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <spdlog/spdlog.h>

namespace kelos::task {
namespace {

using verdict_promise = caf::typed_response_promise<int, std::string, std::string, json_doc>;

struct deferred_check {
  task_id id;
  std::vector<std::string> depends_on;
  verdict_promise promise;
};

struct gate_state {
  kube_actor kube;
  caf::actor supervisor;
  std::shared_ptr<const controller_context> ctx;
  dependency_graph graph;
  /// The missing-dependency deadline each Task already has a wake timer for.
  std::map<task_id, k8s::time_point> timers;
  bool synced = false;
  std::vector<deferred_check> deferred;
  static inline const char* name = "kelos.dependency-gate";
};

using self_ptr = caf::stateful_actor<gate_state>*;

void wake_dependents(self_ptr self, const task_id& id) {
  for (const auto& d : self->state.graph.dependents_of(id))
    self->send(self->state.supervisor, atom::wake::value, d);
}

k8s::time_point now_of(const controller_context& ctx) { return ctx.now ? ctx.now() : k8s::now(); }

void answer(self_ptr self, const task_id& id, std::vector<std::string> depends_on, verdict_promise& rp) {
  auto& st = self->state;
  const auto* known = st.graph.find(id);
  if (known != nullptr ? known->depends_on != depends_on : !depends_on.empty()) {
    dependency_node node = known != nullptr ? *known : dependency_node{};
    node.depends_on = std::move(depends_on);
    st.graph.upsert(id, std::move(node));
  }
  auto now = now_of(*st.ctx);
  auto verdict = st.graph.evaluate(id, now);
  k8s::json data = verdict.what == dependency_verdict::kind::ready ? st.graph.template_data(id) : k8s::json{};
  if (verdict.what == dependency_verdict::kind::waiting) {
    // One timer per Task and deadline: repeated checks while a dependency is missing do
    // not stack up timers.
    auto deadline = st.graph.next_deadline(id);
    if (deadline && st.timers[id] != *deadline) {
      st.timers[id] = *deadline;
      auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - now) + std::chrono::milliseconds{1};
      self->delayed_send(st.supervisor, std::max(delay, std::chrono::milliseconds{1}), atom::wake::value, id);
    }
  }
  rp.deliver(static_cast<int>(verdict.what), std::move(verdict.message), std::move(verdict.dependency),
             json_doc{std::move(data)});
}

void on_task(self_ptr self, const k8s::object_ref& ref) {
  auto& st = self->state;
  read_cached(
    self, st.kube, st.ctx->caches.get(), tasks_spec(*st.ctx), ref,
    [self, ref](k8s::json task) {
      auto& st = self->state;
      task_id id{ref.namespace_, ref.name};
      if (task.is_null())
        return;
      auto decoded = k8s::decode_task(task);
      if (!decoded)
        return;
      dependency_node node{decoded->spec.depends_on, decoded->status.phase, decoded->status.outputs,
                           decoded->status.results};
      // The graph is the one record of what the gate knows of each Task.
      const auto* known = st.graph.find(id);
      if (known != nullptr && *known == node)
        return;
      st.graph.upsert(id, std::move(node));
      wake_dependents(self, id);
    },
    [ref](caf::error& err) {
      logging::debug({"dependency gate", ref.to_string()}, "reading: {}", from_caf_error(err).render());
    });
}

caf::behavior gate(self_ptr self, kube_actor kube, caf::actor supervisor, std::shared_ptr<const controller_context> ctx) {
  auto& st = self->state;
  st.kube = std::move(kube);
  st.supervisor = std::move(supervisor);
  st.ctx = std::move(ctx);
  st.graph = dependency_graph{st.ctx->dependency_missing_timeout};
  self->request(st.kube, caf::infinite, atom::subscribe::value, tasks_spec(*st.ctx), caf::actor_cast<caf::actor>(self))
    .then([](atom::ok) {}, [=](caf::error& err) { self->quit(err); });
  return {
    [=](atom::apply, const watch_spec&, const k8s::object_ref& ref) { on_task(self, ref); },
    [=](atom::remove, const watch_spec&, const k8s::object_ref& ref) {
      auto& st = self->state;
      task_id id{ref.namespace_, ref.name};
      st.timers.erase(id);
      st.graph.erase(id);
      wake_dependents(self, id);
    },
    [=](atom::synced, const watch_spec&) {
      auto& st = self->state;
      st.synced = true;
      auto pending = std::move(st.deferred);
      st.deferred.clear();
      for (auto& d : pending)
        answer(self, d.id, std::move(d.depends_on), d.promise);
    },
    [=](atom::check, const task_id& id, std::vector<std::string>& depends_on)
      -> caf::result<int, std::string, std::string, json_doc> {
      auto rp = self->make_response_promise<int, std::string, std::string, json_doc>();
      if (!self->state.synced)
        self->state.deferred.push_back(deferred_check{id, std::move(depends_on), rp});
      else
        answer(self, id, std::move(depends_on), rp);
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_dependency_gate(caf::local_actor* parent, kube_actor kube, caf::actor supervisor,
                                 std::shared_ptr<const controller_context> ctx) {
  return parent->spawn(gate, std::move(kube), std::move(supervisor), std::move(ctx));
}

} // namespace kelos::task
