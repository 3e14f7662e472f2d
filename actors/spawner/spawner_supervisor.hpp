#pragma once

// The SPAWNER SUPERVISOR: the root of the TaskSpawner controller, beside the Task
// supervisor inside kelos-controller (no Deployment or CronJob per spawner).
//
// It subscribes (through the KUBE actor) to TaskSpawners, Tasks labelled
// `kelos.dev/taskspawner`, Workspaces and Secrets, and admits nothing before every cache has
// synced: a restarted controller sees every Task its spawners made before any spawner
// plans, so nothing is created twice. Then it runs one SPAWNER actor per TaskSpawner
// (started with the object and the Tasks carrying its label; stopped when the object goes)
// and one CREDENTIALS actor, and routes:
// - TaskSpawner changes to its spawner (`init`);
// - Task changes by their `kelos.dev/taskspawner` label to that spawner (`apply`/`remove`);
// - Workspace changes to the spawners of that namespace (`wake`), Secret changes to the
//   credentials actor (cached tokens of that Secret are dropped).
//
// Finalizer: none. The seed's `kelos.dev/taskspawner-finalizer` only delayed deletion
// until the controller removed it again; here nothing needs cleaning up (no Deployment, no
// CronJob, no RBAC objects), and spawned Tasks carry an owner reference with
// `controller: true`, so the garbage collector deletes them with their TaskSpawner. A
// finalizer left by the original controller is not removed by us (delete it by hand).

#include "actors/spawner/spawner_messages.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <atomic>

namespace kelos::spawner {

/// Spawns the supervisor. `ready` (optional) turns true once every cache has synced and the
/// spawners run. Stopping the supervisor stops every actor it spawned.
caf::actor spawn_spawner_supervisor(caf::actor_system& sys, kube_actor kube, std::shared_ptr<const spawner_context> ctx,
                                    std::shared_ptr<std::atomic<bool>> ready = nullptr);

} // namespace kelos::spawner
