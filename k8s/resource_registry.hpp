#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kelos::k8s {

/// Group/version/kind.
struct gvk {
  std::string group;   // "" for the core group
  std::string version;
  std::string kind;
  /// "v1" or "batch/v1".
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  friend bool operator==(const gvk&, const gvk&) = default;
};

/// Splits "batch/v1" into {"batch","v1"} and "v1" into {"","v1"}.
std::pair<std::string, std::string> split_api_version(std::string_view api_version);

/// One served resource: how a kind maps to its URL path.
struct resource_info {
  std::string group;
  std::string version;
  std::string kind;
  std::string plural;    // "tasks"
  std::string singular;  // "task"
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> subresources; // "status", "log"

  gvk type() const { return {group, version, kind}; }
  std::string api_version() const { return type().api_version(); }
  /// "tasks.kelos.dev" or "pods" (the name used in API server messages).
  std::string qualified_plural() const { return group.empty() ? plural : plural + "." + group; }
  bool has_subresource(std::string_view s) const;

  /// Path of the collection: "/apis/kelos.dev/v1alpha1/namespaces/ns/tasks", or
  /// "/api/v1/namespaces" for cluster-scoped core kinds. `ns` empty on a namespaced
  /// resource gives the all-namespaces path.
  std::string collection_path(std::string_view ns) const;
  /// Path of one object (optionally a subresource).
  std::string object_path(std::string_view ns, std::string_view name,
                          std::string_view subresource = {}) const;
};

/// Maps group/version/kind ↔ plural resource. Starts with the built-ins Kelos uses;
/// custom resources are added as CRDs become known.
class resource_registry {
public:
  /// A registry holding the built-in kinds (namespaces, pods, secrets, configmaps,
  /// serviceaccounts, events, jobs, leases, deployments, the four RBAC kinds, CRDs) and
  /// the four Kelos kinds.
  static resource_registry with_builtins();

  /// Adds or replaces (same group, version and plural) a resource.
  void add(resource_info info);
  /// Removes a resource; returns whether it was present.
  bool remove(std::string_view group, std::string_view version, std::string_view plural);

  const resource_info* by_kind(std::string_view group, std::string_view version,
                               std::string_view kind) const;
  const resource_info* by_kind(std::string_view api_version, std::string_view kind) const;
  const resource_info* by_resource(std::string_view group, std::string_view version,
                                   std::string_view plural) const;
  /// Looks a name up as kubectl does: plural, singular, short name, or Kind (case-insensitive).
  const resource_info* lookup(std::string_view name) const;

  const std::vector<resource_info>& all() const { return resources_; }

private:
  std::vector<resource_info> resources_;
};

/// The Kelos custom resources (kelos.dev/v1alpha1).
std::vector<resource_info> kelos_resources();
/// The built-in resources served by the embedded API server.
std::vector<resource_info> builtin_resources();

} // namespace kelos::k8s
