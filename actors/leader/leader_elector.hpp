#pragma once

// The LEADER ELECTOR actor: drives the pure Lease machine (runtime/leader_election.hpp)
// through a KUBE actor (GET / POST / PUT of coordination.k8s.io/v1 Leases, optimistic
// concurrency on resourceVersion).
//
//   timer ──tick──▶ ELECTOR ──call──▶ KUBE ──▶ API server
//                     │ started_leading / stopped_leading hooks, kelos_leader_is_leader
//                     └─ deadline timer: renew_deadline after each successful renewal
//
// - Leader: one attempt every retry period (the fast-path PUT, else GET and decide).
// - Candidate: one attempt every retry period × (1 + U[0, jitter)).
// - Every request times out after the renew deadline; a timer fires renew_deadline after
//   each successful renewal, so a hung request cannot extend leadership.
// - On loss: gauge to 0, `stopped_leading(reason)` (kelos-controller exits there), then
//   the actor quits. It never competes again: a process that lost must restart.
// - `(atom::release)` (clean shutdown): drops any attempt in flight, writes the release
//   record when leading, replies `atom::ok` (also when the write failed: the Lease then
//   expires by itself), and quits.
//
// Use a KUBE actor of its own (not the controllers'): its rate limiter and in-flight
// queue must never hold a renewal behind a burst of Task writes (controller-runtime
// likewise builds a separate client for its resource lock).

#include "actors/actors.hpp"
#include "runtime/leader_election.hpp"
#include "runtime/metrics.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <functional>
#include <string>

namespace kelos::leader {

/// Called on the elector's thread; keep them short and thread-safe.
struct elector_hooks {
  std::function<void()> started_leading;
  /// Leadership lost (not called after a release): the caller must stop reconciling now.
  std::function<void(const std::string& reason)> stopped_leading;
};

struct elector_settings {
  election_config election;
  /// A candidate's pause between attempts is retry_period × (1 + U[0, jitter)).
  /// client-go uses 1.2; 0.5 keeps takeover after a release under two retry periods.
  double jitter = 0.5;
  /// `kelos_leader_is_leader` (register_leader_metrics); may be empty.
  metrics::gauge_family is_leader;
  elector_hooks hooks;
};

/// Registers `kelos_leader_is_leader` (gauge, 1 while this replica leads, else 0).
kelos::expected<metrics::gauge_family> register_leader_metrics(metrics::registry& r);

/// Spawns the elector; it starts competing at once. `settings.election` must pass
/// `validate` (checked by the caller). Messages: `(atom::release)` → `atom::ok`.
caf::actor spawn_leader_elector(caf::actor_system& sys, kube_actor kube, elector_settings settings);

} // namespace kelos::leader
