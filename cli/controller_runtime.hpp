#pragma once

/// Wiring of the Kelos Task controller inside an actor system, shared by `kelos-controller`
/// (cluster mode) and `kelos up` (local mode), so both run exactly the same controller:
/// the KUBE actor over the given HTTP client, with the Task controller's cache projection,
/// and the Task supervisor.

#include "actors/actors.hpp"
#include "cli/controller_options.hpp"
#include "k8s/client/http_client.hpp"
#include "runtime/controller_metrics.hpp"
#include "runtime/metrics.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kelos::cli {

struct elected_work;

/// The actors of one running controller.
struct running_controller {
  kube_actor kube;
  caf::actor supervisor;
  /// The TaskSpawner controller (actors/spawner/spawner_supervisor.hpp).
  caf::actor spawners;
  /// With --leader-elect: the LEADER ELECTOR, its own KUBE actor, and the supervisors it
  /// started on acquiring the lease (supervisor/spawners above stay empty until stop).
  caf::actor elector;
  kube_actor elector_kube;
  std::shared_ptr<elected_work> elected;
  /// "namespace/name" of the Lease (with --leader-elect), for shutdown reports.
  std::string lease;
};

/// What a bounded stop_controller could not finish before its deadline.
struct stop_report {
  /// One line per abandoned piece of work: "the Task supervisor", "PATCH /apis/...",
  /// "releasing the Lease kelos-system/x (it expires by itself)".
  std::vector<std::string> abandoned;
  bool clean() const { return abandoned.empty(); }
};

/// Leader election inputs of start_controller (used only with opts.leader_elect).
struct leader_hooks {
  /// This replica's holderIdentity (kelos-controller: hostname + "_" + random suffix).
  std::string identity;
  /// `kelos_leader_is_leader`; may be empty.
  metrics::gauge_family is_leader;
  /// True while this replica leads (for /readyz); may be null.
  std::shared_ptr<std::atomic<bool>> leading;
  /// Called on an actor thread after the supervisors were killed, when the lease is lost.
  /// kelos-controller logs and exits non-zero there (as controller-runtime does).
  std::function<void(const std::string& reason)> on_lost;
};

/// Spawns the KUBE actor, the Task supervisor and the TaskSpawner supervisor. `ready` turns true once every cache has
/// synced. `task_metrics` and `observability` (reconcile, queue, waiting, API request and GitHub
/// metrics of every actor started here) may be null (no metrics endpoint, as in `kelos up`). With `opts.leader_elect`
/// (Lease in opts.leader_election_namespace, which must be set) the two supervisors start
/// only once this replica holds the lease, and are killed at once when it is lost.
running_controller start_controller(caf::actor_system& sys, std::shared_ptr<k8s::http_client> http,
                                    const controller_options& opts, const std::string& instance,
                                    std::shared_ptr<metrics::task_metrics> task_metrics,
                                    std::shared_ptr<std::atomic<bool>> ready, const leader_hooks& leader = {},
                                    std::shared_ptr<const metrics::controller_metrics> observability = nullptr);

/// Spawns the TaskSpawner supervisor over `kube` (called by start_controller).
/// `observability` (reconcile and GitHub metrics, may be null) as in start_controller.
caf::actor start_spawner_controller(caf::actor_system& sys, kube_actor kube, const controller_options& opts,
                                    std::shared_ptr<const metrics::controller_metrics> observability = nullptr);

/// Graceful shutdown, every step bounded by `deadline` (no step blocks past it, even when
/// the API server hangs):
///  1. the Task and TaskSpawner supervisors stop (no new work is admitted; their Task and
///     spawner actors stop with them);
///  2. the writes the KUBE actor has accepted and not yet answered are awaited (in-flight
///     writes finish; reads are not waited for);
///  3. with leader election, the Lease is released (given a third of what is left);
///  4. the KUBE actors stop (their watches close).
/// Whatever has not finished by the deadline is abandoned and listed in the report.
stop_report stop_controller(caf::actor_system& sys, running_controller& controller,
                            std::chrono::steady_clock::time_point deadline);

/// The same with a deadline `grace` from now; returns report.clean().
bool stop_controller(caf::actor_system& sys, running_controller& controller, std::chrono::milliseconds grace);

/// Fails with a clear message when the API server behind `http` cannot be reached.
kelos::expected<void> check_reachable(k8s::http_client& http, std::chrono::milliseconds timeout);

} // namespace kelos::cli
