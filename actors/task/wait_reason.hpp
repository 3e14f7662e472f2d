#pragma once

/// Why a Task waits, for `kelos_tasks_waiting{reason}` (pure).

#include "actors/task/reconcile.hpp"
#include "runtime/controller_metrics.hpp"

#include <optional>

namespace kelos::task {

/// The reason the plan `decide(obs)` returned keeps the Task waiting, read from the answers
/// the actor gathered: a dependency that is not done yet (`dependency`), or a branch held by
/// another Task (`branch`). `decide` asks for the dependencies first and for the branch only
/// once the dependencies are ready, so at most one of them applies. Nullopt otherwise
/// (running, terminal, waiting for a Workspace/Secret/AgentConfig, or not asked at all).
std::optional<metrics::wait_reason> wait_reason_of(const observation& obs);

} // namespace kelos::task
