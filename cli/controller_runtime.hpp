#pragma once

/// Wiring of the Kelos Task controller inside an actor system, shared by `kelos-controller`
/// (cluster mode) and `kelos up` (local mode), so both run exactly the same controller:
/// the KUBE actor over the given HTTP client, with the Task controller's cache projection,
/// and the Task supervisor.

#include "actors/actors.hpp"
#include "cli/controller_options.hpp"
#include "k8s/client/http_client.hpp"
#include "runtime/metrics.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <atomic>
#include <memory>

namespace kelos::cli {

/// The actors of one running controller.
struct running_controller {
  kube_actor kube;
  caf::actor supervisor;
  /// The TaskSpawner controller (actors/spawner/spawner_supervisor.hpp).
  caf::actor spawners;
};

/// Spawns the KUBE actor, the Task supervisor and the TaskSpawner supervisor. `ready` turns true once every cache has
/// synced. `task_metrics` may be null (no metrics endpoint).
running_controller start_controller(caf::actor_system& sys, std::shared_ptr<k8s::http_client> http,
                                    const controller_options& opts, const std::string& instance,
                                    std::shared_ptr<metrics::task_metrics> task_metrics,
                                    std::shared_ptr<std::atomic<bool>> ready);

/// Spawns the TaskSpawner supervisor over `kube` (called by start_controller).
caf::actor start_spawner_controller(caf::actor_system& sys, kube_actor kube, const controller_options& opts);

/// Stops the supervisor (waiting up to `grace` for it), then the KUBE actor. Returns false
/// when the supervisor did not stop in time.
bool stop_controller(caf::actor_system& sys, running_controller& controller, std::chrono::milliseconds grace);

/// Fails with a clear message when the API server behind `http` cannot be reached.
kelos::expected<void> check_reachable(k8s::http_client& http, std::chrono::milliseconds timeout);

} // namespace kelos::cli
