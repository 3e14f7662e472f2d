#pragma once

// The TASK SUPERVISOR: the root of the Task controller.
//
// It subscribes (through the KUBE actor) to Tasks, Jobs and Pods labelled
// `kelos.dev/task`, Workspaces, AgentConfigs and Secrets; spawns the DEPENDENCY gate and
// the BRANCH lock; and, once every one of those caches has synced (never before: a
// restarted controller must see every running Task before it admits new work), spawns
// one TASK actor per Task and routes changes to it by object reference:
// Task and Job changes by name (Job = Task name), Pod changes through the pod's
// `kelos.dev/task` label, Workspace/AgentConfig/Secret changes to the Tasks that said
// they wait for that object. It stops a TASK actor when its Task is gone.

#include "actors/task/task_messages.hpp"
#include "k8s/client/field_filter.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <atomic>
#include <optional>

namespace kelos::task {

/// Spawns the supervisor. `ready` (optional) is set once all caches have synced and the
/// Task actors are running (for /readyz). Stopping the supervisor (exit message) stops
/// every actor it spawned.
caf::actor spawn_task_supervisor(caf::actor_system& sys, kube_actor kube, std::shared_ptr<const controller_context> ctx,
                                 std::shared_ptr<std::atomic<bool>> ready = nullptr);

/// The KUBE actor cache projection the Task controller is written for
/// (`kube_config::projection`; see actors/task/cache_projection.hpp).
k8s::json project_cached(const watch_spec& spec, k8s::json&& object);
/// The KUBE actor decode filter that goes with it (`kube_config::decode_filter`).
std::optional<k8s::filter_node> decode_filter_cached(const watch_spec& spec);

/// The gate and lock actors, spawned by the supervisor; exposed for actor tests.
caf::actor spawn_dependency_gate(caf::local_actor* parent, kube_actor kube, caf::actor supervisor,
                                 std::shared_ptr<const controller_context> ctx);
caf::actor spawn_branch_lock(caf::local_actor* parent, kube_actor kube, caf::actor supervisor,
                             std::shared_ptr<const controller_context> ctx);

} // namespace kelos::task
