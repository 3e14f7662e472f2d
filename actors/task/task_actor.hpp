#pragma once

// The TASK actor: one per Task. Level-based and coalescing: any number of `(reconcile)`
// messages while a reconcile runs lead to exactly one more reconcile with the latest
// state. A reconcile reads the Task, its Job and pod, and the objects it references from
// the KUBE actor's caches, asks `task::decide` (answering its questions through the
// dependency gate, the branch lock and the pod log), and executes the plan in order.
// A conflict re-reads and re-plans at once; other write errors back off exponentially.

#include "actors/task/task_messages.hpp"

#include <caf/actor.hpp>
#include <caf/local_actor.hpp>

namespace kelos::task {

/// Spawns the TASK actor for `id` as a child of `parent` (monitored by it).
caf::actor spawn_task_actor(caf::local_actor* parent, task_id id, kube_actor kube, caf::actor supervisor,
                            caf::actor gate, caf::actor lock, std::shared_ptr<const controller_context> ctx);

} // namespace kelos::task
