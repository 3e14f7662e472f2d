#pragma once

#include "k8s/json.hpp"
#include "k8s/time.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kelos::k8s {

/// `metav1.OwnerReference`.
struct owner_reference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
  bool block_owner_deletion = false;

  friend bool operator==(const owner_reference&, const owner_reference&) = default;
};

/// The parts of `metav1.ObjectMeta` the controller and the API server read.
/// Compact enough to cache for every watched object.
struct object_meta {
  std::string name;
  std::string generate_name;
  std::string namespace_;
  std::string uid;
  std::string resource_version;
  int64_t generation = 0;
  std::optional<time_point> creation_timestamp;
  std::optional<time_point> deletion_timestamp;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> finalizers;
  std::vector<owner_reference> owner_references;

  bool has_finalizer(std::string_view f) const;
  bool is_deleting() const { return deletion_timestamp.has_value(); }
  /// The owner reference with `controller: true`, if any.
  const owner_reference* controller_owner() const;
};

/// Reads `metadata` of an object (missing fields stay default; bad times are ignored).
object_meta parse_object_meta(const json& object);
/// Writes `meta` as a `metadata` JSON object (empty fields omitted).
json to_json(const object_meta& meta);

owner_reference parse_owner_reference(const json& j);
json to_json(const owner_reference& ref);

/// Identifies an object: `kind` is the Kind (e.g. "Task"), `namespace_` empty for
/// cluster-scoped objects. The unit of reconcile requests.
struct object_ref {
  std::string kind;
  std::string namespace_;
  std::string name;

  friend bool operator==(const object_ref&, const object_ref&) = default;
  friend bool operator<(const object_ref& a, const object_ref& b) {
    return std::tie(a.kind, a.namespace_, a.name) < std::tie(b.kind, b.namespace_, b.name);
  }
  /// "Task default/x" or "Namespace x".
  std::string to_string() const;
};

/// Builds the reference of a JSON object from its `kind` and `metadata`.
object_ref ref_of(const json& object);

} // namespace kelos::k8s
