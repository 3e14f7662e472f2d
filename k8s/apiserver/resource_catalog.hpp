#pragma once

#include "k8s/apiserver/crd_model.hpp"
#include "k8s/apiserver/list_types.hpp"
#include "k8s/apiserver/structural_schema.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::apiserver {

/// One served resource with what the handlers need beside its description: the compiled
/// CRD schema (null for built-ins or when compilation failed) and its list strategies.
struct catalog_entry {
  served_resource served;
  /// Compiled `openAPIV3Schema` of this CRD version; null for built-ins.
  std::shared_ptr<const schema_node> schema;
  /// List strategies for server-side apply and managedFields.
  list_type_info lists;
  /// Name of the CRD that defines this resource; empty for built-ins.
  std::string crd_name;
};

/// Immutable snapshot of everything served. Handlers hold a snapshot for the duration of
/// one request, so a concurrent CRD change never tears a response.
struct catalog_snapshot {
  std::vector<std::shared_ptr<const catalog_entry>> entries;
  /// Plain list for discovery/OpenAPI builders (same order as `entries`).
  std::vector<served_resource> served;
  /// Monotonic counter, bumped on every change (cache key for OpenAPI documents).
  uint64_t generation = 0;

  /// The resource at group/version/plural, or null.
  std::shared_ptr<const catalog_entry> find(std::string_view group, std::string_view version,
                                            std::string_view plural) const;
};

/// The set of served resources: the built-ins (never the Kelos kinds: those arrive as
/// CRDs) plus every served version of every established CRD. Thread-safe; readers take
/// cheap snapshots.
class resource_catalog {
public:
  /// Starts with `served_builtins()`.
  resource_catalog();

  /// The current snapshot (never null).
  std::shared_ptr<const catalog_snapshot> snapshot() const;

  /// Registers (or replaces) the served versions of a CRD. Returns the new entries.
  /// A schema that does not compile is logged by the caller; the resource is then served
  /// without schema admission.
  std::vector<std::shared_ptr<const catalog_entry>> set_crd(const crd_definition& crd);
  /// Unregisters the resources of a CRD; returns the removed entries.
  std::vector<std::shared_ptr<const catalog_entry>> remove_crd(std::string_view crd_name);

private:
  void publish(std::vector<std::shared_ptr<const catalog_entry>> entries);

  mutable std::mutex mu_;
  std::shared_ptr<const catalog_snapshot> current_;
};

} // namespace kelos::apiserver
