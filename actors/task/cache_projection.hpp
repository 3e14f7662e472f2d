#pragma once

/// What the Task controller's watch caches keep of each object (KUBE actor projection).
/// Ten thousand Jobs and Pods as whole JSON cost hundreds of MiB; the controller reads
/// their status, labels and owner references only. Every kind loses
/// `metadata.managedFields`; built-in kinds lose their annotations; Kelos kinds lose the
/// `kubectl.kubernetes.io/last-applied-configuration` annotation (a second copy of the
/// spec). Secrets keep their key names only: the controller never holds secret values.
/// The controller never writes a cached object back whole (finalizers are merge patches,
/// status goes through /status), so nothing stripped here is lost on the server.

#include "k8s/json.hpp"

#include <string_view>

namespace kelos::task {

k8s::json project_for_task_controller(std::string_view kind, k8s::json&& object);

} // namespace kelos::task
