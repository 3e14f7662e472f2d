#pragma once

// Side effects of a Task plan that are not writes of the Task itself: Events (through
// the KUBE actor, fire and forget) and metrics (the shared registry).

#include "actors/task/task_messages.hpp"

#include <caf/event_based_actor.hpp>

namespace kelos::task {

/// Posts a core/v1 Event about `involved` (a Task object). Failures are logged, never fatal.
void post_event(caf::event_based_actor* self, const kube_actor& kube, const controller_context& ctx,
                const k8s::json& involved, std::string_view type, std::string_view reason, std::string_view message);

/// `kelos_reconcile_errors_total{controller="task"}`: a reconcile failed for a reason other
/// than a conflict (write rejected, cache read failed, undecodable Task).
void record_reconcile_error(const controller_context& ctx);
void record_created(const controller_context& ctx, const k8s::task& t);
void record_completed(const controller_context& ctx, const k8s::task& t, std::string_view phase,
                      std::optional<double> duration_seconds);
void record_usage(const controller_context& ctx, const k8s::task& t, const std::map<std::string, std::string>& results);

} // namespace kelos::task
