#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::apiserver {

/// How a list field merges (SMP patch strategy / SSA `x-kubernetes-list-type`).
enum class list_kind {
  /// The list is one value: replaced as a whole, owned as a whole (the default for CRs and
  /// for built-in lists without a merge key).
  atomic,
  /// Items are objects identified by `keys` (SMP `patchMergeKey`, SSA `list-map-keys`).
  map,
  /// Items are scalars merged as a set (e.g. `metadata.finalizers`).
  set,
};

/// Strategy of one list.
struct list_type {
  list_kind kind = list_kind::atomic;
  /// Key fields for `list_kind::map` (SMP uses only the first).
  std::vector<std::string> keys;
};

/// List strategies by *schema path*: the dotted field names from the object root, with no
/// segment for list items, e.g. `spec.template.spec.containers.env` for the env list of any
/// container of a Job. A `*` segment matches any key of a map (additionalProperties).
/// Paths not present are atomic.
struct list_type_info {
  std::map<std::string, list_type, std::less<>> lists;

  /// The strategy at `schema_path` (atomic when unknown).
  list_type lookup(std::string_view schema_path) const;
};

/// Built-in strategies for `kind` (core/v1 and batch/v1 kinds we serve: Pod, Job, CronJob,
/// Deployment, Secret, ConfigMap, ServiceAccount, Namespace, Event, Lease ...): merge keys
/// from k8s.io/api `patchMergeKey` tags (`containers`/`initContainers`/`volumes`/`env`/
/// `imagePullSecrets` by `name`, `volumeMounts` by `mountPath`, `ports` by `containerPort`,
/// `ownerReferences` by `uid`, `finalizers` as a set). `tolerations` and unknown lists are
/// atomic. Unknown kinds get only the ObjectMeta entries.
list_type_info builtin_list_types(std::string_view kind);

} // namespace kelos::apiserver
