#pragma once

/// What the Task controller's watch caches keep of each object (KUBE actor projection).
/// Ten thousand Jobs and Pods as whole JSON cost hundreds of MiB; the controller reads
/// their status, labels and owner references only. Every kind loses
/// `metadata.managedFields`; built-in kinds lose their annotations; Kelos kinds lose the
/// `kubectl.kubernetes.io/last-applied-configuration` annotation (a second copy of the
/// spec). Secrets keep their key names only: the controller never holds secret values.
/// The controller never writes a cached object back whole (finalizers are merge patches,
/// status goes through /status), so nothing stripped here is lost on the server.

#include "k8s/client/field_filter.hpp"
#include "k8s/json.hpp"

#include <optional>
#include <string_view>

namespace kelos::task {

k8s::json project_for_task_controller(std::string_view kind, k8s::json&& object);

/// What the KUBE actor decodes of a watched object of `kind` before the projection
/// (`kube_config::decode_filter`): a superset of what `project_for_task_controller`
/// keeps, so that projecting the filtered object gives the same result as projecting the
/// whole one, while the parser skips a Job's pod template and every managedFields.
/// nullopt for kinds the projection does not know (decoded whole).
std::optional<k8s::filter_node> decode_filter_for_task_controller(std::string_view kind);

} // namespace kelos::task
