#pragma once

// The JOB CONTROLLER of local mode: batch/v1 Jobs -> Pods, as kube-controller-manager's
// Job controller and TTL-after-finished controller do (the decision is the pure
// actors/jobs/job_sync.hpp; docs/local-mode-job-controller.md lists what is and is not
// implemented).
//
//   KUBE ──(apply/remove/synced: Job, Pod)──▶ JOB CONTROLLER
//     ▲                                        │ dirty set of Jobs ──(tick: one self
//     │                                        │   message drains it; a Job is never
//     │                                        │   synced twice at once)
//     └──(get/list cache; POST/DELETE pods, ◀──┘ sync: Job + pods from the caches
//         PUT jobs/status, DELETE job)            -> jobs::sync_job -> execute the plan
//
// Pods map to their Job through the controller owner reference (kind Job, batch/v1).
// After creating a pod no further sync of that Job runs until the pod shows in the
// cache (client-go "expectations"; they expire after 30 s), so a quick resync never
// creates duplicates. Status writes are PUTs of jobs/status carrying the observed
// resourceVersion; a conflict re-syncs from the cache. Timers exist only for
// activeDeadlineSeconds and ttlSecondsAfterFinished. Failed API calls retry with
// backoff (100 ms doubling up to 10 s).
//
// Caveat: the caches must hold whole Jobs (spec.template). A KUBE actor shared with the
// Task controller must not apply the Task controller's projection to
// `job_controller_specs()`.

#include "actors/actors.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <string>
#include <vector>

namespace kelos::jobs {

/// Settings of the JOB CONTROLLER.
struct job_controller_config {
  /// Namespace to watch; "" = all.
  std::string namespace_;
  /// `spec.nodeName` of created pods whose template names none ("" = unset; local mode
  /// uses `kelos-local`).
  std::string node_name;
};

/// The watch specs the controller subscribes to (Jobs and Pods of the namespace, no
/// label selector).
std::vector<watch_spec> job_controller_specs(const job_controller_config& cfg);

/// Spawns the controller. It subscribes through `kube` at once and starts syncing once
/// both caches have synced. Stop it with an exit message.
caf::actor spawn_job_controller(caf::actor_system& sys, kube_actor kube, job_controller_config cfg);

} // namespace kelos::jobs
