#pragma once

// The SPAWNER actor: one per TaskSpawner, spawned by the SPAWNER SUPERVISOR once every cache
// has synced, with the TaskSpawner object and the Tasks that carry its label.
//
// It owns the cycle of seed §3.2 (actors/spawner/cycle.hpp) and executes its plans:
// - Slots: counted from the observed non-terminal Tasks it owns plus its creates in flight,
//   updated as the supervisor forwards its Tasks' changes. One plan runs at a time (later
//   triggers coalesce), so a burst of items can never overshoot `maxConcurrency`.
// - Budget: its counter starts at max(status.totalTasksCreated, owned Tasks that exist) and
//   grows with every successful create, so `maxTotalTasks` holds across restarts.
// - Triggers: every discovery from its POLLER; a freed slot or a removed Task while items
//   are pending (created at once, not at the next poll); a spec change.
// - Status: written only by this actor, with PUT …/status carrying the resourceVersion; a
//   conflict re-reads the object and retries; other failures retry after a delay.
// - Suspend stops the poller (no source request while suspended); resume starts a new one,
//   which polls at once. An invalid spec (CRD rules, pollInterval, cron expression, template
//   syntax) stops the poller and sets phase Failed with the reason, without affecting any
//   other spawner.

#include "actors/spawner/spawner_messages.hpp"

#include <caf/actor.hpp>

namespace kelos::spawner {

caf::actor spawn_spawner(caf::local_actor* parent, kube_actor kube, caf::actor credentials,
                         std::shared_ptr<const spawner_context> ctx, const k8s::json& spawner,
                         std::vector<k8s::json> tasks);

} // namespace kelos::spawner
