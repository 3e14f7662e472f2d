#pragma once

// Messages and shared settings of the Task controller's actors (CAF 0.17 spelling).
//
//   TASK SUPERVISOR ── spawns / routes (reconcile, pod) ──▶ TASK actor (one per Task)
//        ▲   (wake, task_id)                                  │ (check ...)   (acquire ...)
//        ├──────────────── DEPENDENCY gate ◀──────────────────┤               │
//        └──────────────── BRANCH lock ◀──────────────────────┴───────────────┘
//
// - TASK actor handles `(reconcile)` and `(pod, std::string pod_name)`.
// - DEPENDENCY gate: `(check, task_id, std::vector<std::string> depends_on)` replies
//   `(int kind, std::string message, std::string dependency, json_doc template_data)`
//   where kind is a `dependency_verdict::kind`; it sends `(wake, task_id)` to the
//   supervisor when a dependency of that Task changes phase, appears or disappears.
// - BRANCH lock: `(acquire, branch_key, task_id, int64_t created_us)` replies
//   `(bool granted, std::string message)`; `(release, task_id)` gives back whatever the
//   Task holds or waits for; hand-overs are announced with `(wake, task_id)`.
// - TASK SUPERVISOR also handles `(watch_ref, object_ref, task_id)`: wake the Task when the
//   referenced object is applied.

#include "actors/actors.hpp"
#include "actors/kube_cache_view.hpp"
#include "actors/task/reconcile_slots.hpp"
#include "actors/task/branch_queue.hpp"
#include "actors/task/reconcile.hpp"
#include "actors/task/task_id.hpp"
#include "k8s/event_builder.hpp"
#include "k8s/resource_registry.hpp"
#include "runtime/waiting_counts.hpp"

#include <caf/meta/type_name.hpp>

#include <functional>
#include <memory>
#include <mutex>

namespace kelos::metrics {
struct task_metrics;
}

namespace kelos::task {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_id& x) {
  return f(caf::meta::type_name("task_id"), x.namespace_, x.name);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, branch_key& x) {
  return f(caf::meta::type_name("branch_key"), x.namespace_, x.workspace, x.branch);
}

/// The event correlator shared by every Task actor: repeats of the same Event within ten
/// minutes patch its count instead of creating another object (client-go's recorder).
class event_recorder {
public:
  k8s::event_action observe(const k8s::json& event, k8s::time_point now) {
    std::lock_guard<std::mutex> guard{mutex_};
    return correlator_.observe(event, now);
  }
  void forget(const k8s::json& event) {
    std::lock_guard<std::mutex> guard{mutex_};
    correlator_.forget(event);
  }

private:
  std::mutex mutex_;
  k8s::event_correlator correlator_;
};

/// Settings shared by every actor of one Task controller.
struct controller_context {
  reconcile_config reconcile;
  /// Namespace scope: "" watches all namespaces.
  std::string watch_namespace;
  /// Metrics sink; may be null (tests).
  std::shared_ptr<metrics::task_metrics> metrics;
  /// Reconcile counts and durations (`controller="task"`); may be null.
  std::shared_ptr<const metrics::controller_metrics> observability;
  /// Tasks waiting by reason, keyed by TASK actor id (`kelos_tasks_waiting`).
  std::shared_ptr<metrics::waiting_counts> waiting = std::make_shared<metrics::waiting_counts>();
  /// Event de-duplication shared by the Task actors.
  std::shared_ptr<event_recorder> events = std::make_shared<event_recorder>();
  /// `reportingInstance` of events (the pod or host name).
  std::string instance = "kelos-controller";
  /// Clock, replaceable in tests.
  std::function<k8s::time_point()> now;
  /// A dependency that does not exist fails its dependent after this long.
  std::chrono::seconds dependency_missing_timeout{600};
  /// GitHub App token exchange: API base override ("" = from the repository host) and
  /// the CA bundle to trust ("" = system CAs). Both exist for tests and GHE with private CAs.
  std::string github_api_base;
  std::string github_ca_pem;
  /// How many Tasks reconcile at once (FIFO admission, see reconcile_slots.hpp).
  std::shared_ptr<reconcile_slots> slots = std::make_shared<reconcile_slots>(64);
  /// The KUBE actor's caches for direct reads (`kube_config::cache_view`); null: Task
  /// actors read them with `atom::get`.
  std::shared_ptr<const kube_cache_view> caches;
  /// Backoff of failed (non-conflict) writes: first and maximum delay.
  std::chrono::milliseconds retry_base{500};
  std::chrono::milliseconds retry_max{std::chrono::seconds{60}};
};

/// Watch specs of the kinds the controller reads, narrowed to its namespace scope.
watch_spec tasks_spec(const controller_context& ctx);
watch_spec jobs_spec(const controller_context& ctx);
watch_spec pods_spec(const controller_context& ctx);
watch_spec workspaces_spec(const controller_context& ctx);
watch_spec agent_configs_spec(const controller_context& ctx);
watch_spec secrets_spec(const controller_context& ctx);

/// The resource (paths, plural) of a kind the controller writes: Task, Job, Event, Secret.
/// One registry for every Task controller actor.
const k8s::resource_info& resource_of(std::string_view api_version, std::string_view kind);

} // namespace kelos::task
