#pragma once

#include "k8s/apiserver/list_types.hpp"
#include "k8s/apiserver/managed_fields.hpp"
#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <string>
#include <vector>

namespace kelos::apiserver {

using json = kelos::k8s::json;

/// One field owned by another manager whose applied value differs.
struct apply_conflict {
  /// Printed manager as upstream: `"x"` for an Apply owner, `"x" using v1` for Update.
  std::string manager;
  /// `.spec.prompt` style path.
  std::string field;
};

/// Inputs of one server-side apply (`PATCH` with `application/apply-patch+yaml`).
struct apply_request {
  /// The stored object, or null when it does not exist (apply then creates it).
  json live;
  /// The applied configuration (parsed YAML/JSON body).
  json applied;
  /// `fieldManager` query parameter (required by the HTTP layer).
  std::string manager;
  /// `force=true`: take ownership of conflicting fields instead of failing.
  bool force = false;
  /// apiVersion of the request (`kelos.dev/v1alpha1`, `v1`, ...).
  std::string api_version;
  /// metav1.Time of the request.
  std::string now;
  /// List strategies (builtin_list_types or list_types_from_schema).
  list_type_info lists;
  /// Main resource: `status` is not tracked/merged. Set false for the /status subresource.
  bool ignore_status = true;
};

/// The outcome of apply.
struct apply_result {
  /// The merged object with `metadata.managedFields` replaced by the new entries. System
  /// metadata (uid, resourceVersion, ...) is taken from `live`.
  json object;
  /// The new `metadata.managedFields` array (also inside `object`).
  json managed_fields;
  /// Non-empty when the apply failed with a conflict (409); `object` is then unset.
  std::vector<apply_conflict> conflicts;
  /// Upstream message, e.g. `Apply failed with 1 conflict: conflict with "x": .spec.prompt`
  /// (several: `Apply failed with 2 conflicts: conflicts with "x":\n- .a\n- .b`).
  std::string conflict_message;

  bool ok() const noexcept { return conflicts.empty(); }
};

/// Performs server-side apply.
///
/// - Fields in `applied` owned by another manager (Apply or Update) with a different value
///   conflict unless `force`; with `force` the other managers lose them.
/// - Merging follows the list strategies: map lists merge by key, set lists union, atomic
///   lists and scalars are replaced.
/// - Fields the manager applied before and omits now are removed from the object unless
///   another manager still owns them.
/// - The manager's Apply entry becomes exactly the applied field set.
/// Errors (`bad_request`): `applied` not an object, `applied` containing
/// `metadata.managedFields` (upstream: "metadata.managedFields must be nil"), malformed
/// managed fields in `live`, apiVersion/kind mismatch with `live`.
/// A conflict is *not* an error: check `result.ok()` and answer 409 with causes
/// `{reason: FieldManagerConflict, message: "conflict with <manager>", field}`.
expected<apply_result> server_side_apply(const apply_request& req);

/// Builds the 409 Status body for a failed apply (`reason: Conflict`, causes
/// `FieldManagerConflict`).
json apply_conflict_status(const apply_result& result);

} // namespace kelos::apiserver
