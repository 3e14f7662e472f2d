#pragma once

// The POLLER actor: one per TaskSpawner source, beside its SPAWNER.
//
// Each cycle it reads the Workspace from the KUBE cache (repository of GitHub sources),
// asks the CREDENTIALS actor for the source's token, makes the cycle's `discovery`
// (spawner_context::make_discovery) and drives it: `next_request`, perform it with its own
// `source_fetcher` (an http_client per API base, with timeouts and TLS), feed the answer
// back, honour `not_before` (rate limits) with a timer, until the discovery is finished. The
// outcome goes to the spawner as `(atom::response, discovery_outcome)`.
//
// Scheduling: the first cycle starts at once; then every `pollInterval` (seed parsing rules,
// default 5m) stretched by the context's jitter; cron spawners wake at their next tick
// instead. After a failed discovery the delay doubles per consecutive failure (capped at
// `error_backoff_max`), and no cycle starts before the discovery's `retry_not_before` (a rate
// limit's reset it gave up waiting for). `(atom::init, json_doc)` (new spec) and `(atom::wake)` start a cycle at
// once (after the running one). The GitHub ETag cache lives as long as the poller. The
// spawner stops the poller while suspended, so a suspended spawner makes no request.

#include "actors/spawner/spawner_messages.hpp"

#include <caf/actor.hpp>

namespace kelos::spawner {

/// Spawns a poller for the TaskSpawner `spawner` (the object as JSON) reporting to `owner`.
/// Linked to `parent`'s lifetime by the caller (the spawner stops it).
caf::actor spawn_poller(caf::local_actor* parent, caf::actor owner, kube_actor kube, caf::actor credentials,
                        std::shared_ptr<const spawner_context> ctx, const k8s::json& spawner);

} // namespace kelos::spawner
