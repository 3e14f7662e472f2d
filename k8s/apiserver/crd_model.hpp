#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "k8s/json.hpp"
#include "k8s/resource_registry.hpp"
#include "runtime/error.hpp"

namespace kelos::apiserver {

/// One `additionalPrinterColumns` entry (or a built-in default column).
struct printer_column {
  std::string name;         // "Phase"
  std::string type;         // string | integer | number | boolean | date
  std::string format;       // optional, e.g. "name" for the Name column
  std::string description;  // optional
  std::string json_path;    // ".status.phase"; empty for built-in computed columns
  int priority = 0;         // > 0: shown only with `-o wide`
};

/// `names` of a CustomResourceDefinition.
struct crd_names {
  std::string plural;
  std::string singular;   // defaulted to lower-case kind when absent (as upstream)
  std::string kind;
  std::string list_kind;  // defaulted to kind + "List" when absent
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
};

/// `subresources.scale` of one CRD version.
struct scale_subresource {
  std::string spec_replicas_path;
  std::string status_replicas_path;
  std::string label_selector_path;  // optional
};

/// One entry of `spec.versions`.
struct crd_version {
  std::string name;  // "v1alpha1"
  bool served = true;
  bool storage = false;
  bool deprecated = false;
  /// `schema.openAPIV3Schema` (null when absent).
  k8s::json schema;
  bool status_subresource = false;
  std::optional<scale_subresource> scale;
  std::vector<printer_column> printer_columns;
};

/// A validated `apiextensions.k8s.io/v1 CustomResourceDefinition` spec.
struct crd_definition {
  std::string name;   // metadata.name, always "<plural>.<group>"
  std::string group;
  crd_names names;
  std::string scope;  // "Namespaced" | "Cluster"
  std::vector<crd_version> versions;
  /// `spec.conversion.strategy`: "None" (default) or "Webhook". We never call a
  /// webhook: every served version shares the one stored object and only its
  /// `apiVersion` is rewritten (see docs/apiserver-discovery.md).
  std::string conversion_strategy = "None";

  bool namespaced() const { return scope == "Namespaced"; }
  /// The single version with `storage: true` (guaranteed by parse_crd).
  const crd_version& storage_version() const;
  /// The version named `name`, or nullptr.
  const crd_version* find_version(std::string_view name) const;
  /// Names of served versions, most preferred first (Kubernetes version priority:
  /// GA > beta > alpha, higher numbers first, non-conforming names last, alphabetical).
  std::vector<std::string> served_versions_by_priority() const;
};

/// A resource as the API server serves it: the shared `resource_info` plus the
/// descriptive extras discovery, OpenAPI and Table output need.
struct served_resource {
  k8s::resource_info info;
  /// Verbs on the main resource, e.g. {"create","delete","deletecollection","get","list",
  /// "patch","update","watch"}.
  std::vector<std::string> verbs;
  /// Kind of the list, e.g. "TaskList".
  std::string list_kind;
  /// CRD printer columns. Empty for built-ins: table.hpp then uses the built-in
  /// defaults for the kind (pods, jobs, ...), or Name + Age.
  std::vector<printer_column> printer_columns;
  /// openAPIV3Schema of the CRD version (null for built-ins, which get a permissive schema).
  k8s::json schema;
  /// True when this resource comes from a CustomResourceDefinition.
  bool from_crd = false;
  /// The version objects are stored in (for CRDs: the storage version; else info.version).
  std::string storage_version;
  std::optional<scale_subresource> scale;
  bool deprecated = false;
};

/// Default verbs of a collection resource (all eight, sorted as upstream lists them).
std::vector<std::string> default_verbs();

/// Wraps a built-in resource_info with default verbs and list kind ("<Kind>List").
served_resource served_builtin(const k8s::resource_info& info);
/// `served_builtin` for every `k8s::builtin_resources()` entry, in that order.
std::vector<served_resource> served_builtins();

/// Parses and validates a CRD document (the whole object, `apiVersion`/`kind` optional).
/// Errors (errc::invalid_spec, message names the field): name != "<plural>.<group>",
/// missing group/plural/kind, group without a dot, scope not Namespaced|Cluster, no
/// versions, duplicate version names, not exactly one storage version, a storage version
/// that is not served, printer column without name/type/jsonPath or with an unknown
/// type, invalid names (must be lower-case DNS labels for plural/singular/shortNames).
expected<crd_definition> parse_crd(const k8s::json& crd);

/// Whether the CRD's names clash with another resource of the registry: in the same
/// group, a different resource (other plural) using our plural, singular, kind, list
/// kind or a short name; or our plural taken with a different kind. Resources with our
/// group and plural are "us" (re-registration), never a clash. Returns the clash
/// description, or nullopt. On a CRD update whose kind changed, pass `existing` without
/// this CRD's own resources, or the old kind is reported as a clash with itself.
std::optional<std::string> find_name_conflict(const crd_definition& crd,
                                              const std::vector<served_resource>& existing);

/// The `status` the server writes for a CRD: `acceptedNames` (= spec names, or empty
/// when conflicting), conditions `NamesAccepted` (True/NoConflicts/"no conflicts found"
/// or False/NameConflict/<message>) and `Established` (True/InitialNamesAccepted/"the
/// initial names have been accepted", or False/NotAccepted), and `storedVersions`
/// (the storage version, merged after any versions in `previous_status.storedVersions`).
/// `lastTransitionTime` is `now` (RFC 3339 string), preserved from `previous_status`
/// when the condition status is unchanged.
k8s::json crd_status(const crd_definition& crd, bool conflicts_with_existing,
                     const std::string& now_rfc3339,
                     const k8s::json& previous_status = k8s::json(),
                     const std::string& conflict_message = {});

/// One resource_info per served version (subresources "status" when declared,
/// "scale" when declared), in `spec.versions` order.
std::vector<k8s::resource_info> to_resource_infos(const crd_definition& crd);
/// As `to_resource_infos`, with verbs, printer columns, schema and storage version.
std::vector<served_resource> to_served_resources(const crd_definition& crd);

/// Kubernetes version ordering: returns true when `a` has higher priority than `b`
/// ("v1" > "v1beta2" > "v1beta1" > "v1alpha1" > "foo").
bool version_higher_priority(std::string_view a, std::string_view b);

} // namespace kelos::apiserver
