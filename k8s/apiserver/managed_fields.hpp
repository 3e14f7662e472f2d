#pragma once

#include "k8s/apiserver/list_types.hpp"
#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kelos::apiserver {

using json = kelos::k8s::json;

/// One path element of a FieldsV1 field path, stored in its FieldsV1 spelling:
/// `f:<name>` (struct/map field), `k:<json object>` (keyed list item, keys in sorted
/// order, compact JSON), `v:<json value>` (set list item), `i:<n>` (index; never produced).
using field_path = std::vector<std::string>;

/// A set of owned field paths. A path names a leaf, or a list item as a whole (upstream's
/// `.` entry).
using field_set = std::set<field_path>;

/// Encodes a field set as FieldsV1 JSON: leaves are `{}`, an item owned as a whole that
/// also has owned children gets `".": {}`.
json field_set_to_fields_v1(const field_set& set);

/// Decodes FieldsV1 JSON. Errors (`bad_request`) when a node is not an object or a key
/// lacks a known prefix.
expected<field_set> field_set_from_fields_v1(const json& fields_v1);

/// Renders a path as upstream does in conflict messages: `.spec.prompt`,
/// `.spec.containers[name="app"].image`, `.metadata.finalizers[="x"]`.
std::string field_path_string(const field_path& path);

/// Top-level fields that are never tracked: apiVersion, kind, metadata.{name, namespace,
/// uid, resourceVersion, generation, creationTimestamp, selfLink, managedFields,
/// deletionTimestamp, deletionGracePeriodSeconds}, and `status` when `ignore_status`.
bool is_untracked_field(const field_path& path, bool ignore_status = false);

/// The set of fields present in `obj` (minus untracked ones). Objects contribute their
/// children (an empty object is itself a leaf); map lists contribute each item (as a whole)
/// plus its children; set lists contribute `v:` items; atomic lists and scalars are leaves.
field_set fields_of(const json& obj, const list_type_info& lists, bool ignore_status = false);

/// `field_set_to_fields_v1(fields_of(obj, lists, ignore_status))`, built in one walk without
/// the intermediate set of paths (what a create's managedFields entry holds). nullopt when a
/// map list of `obj` repeats an item key: the caller then takes the set-based path, which
/// merges such items.
std::optional<json> fields_v1_of(const json& obj, const list_type_info& lists, bool ignore_status = false);

/// The value at `path` in `obj`, or nullptr when absent.
const json* value_at(const json& obj, const field_path& path);

/// One `metadata.managedFields` entry.
struct managed_fields_entry {
  /// fieldManager name, e.g. "kubectl-client-side-apply".
  std::string manager;
  /// "Apply" or "Update".
  std::string operation;
  /// apiVersion the fields were written in.
  std::string api_version;
  /// metav1.Time text; empty when unknown.
  std::string time;
  /// Subresource ("status") or empty.
  std::string subresource;
  /// The owned fields (`fieldsV1`).
  field_set fields;
};

/// Reads `metadata.managedFields` of `obj` (absent → empty). Errors (`bad_request`) for
/// entries with malformed fieldsV1.
expected<std::vector<managed_fields_entry>> parse_managed_fields(const json& obj);

/// Serialises entries as upstream does (`fieldsType: FieldsV1`); entries with empty sets are
/// dropped.
json managed_fields_to_json(const std::vector<managed_fields_entry>& entries);

/// Records an ordinary write (create, update, non-apply patch) by `manager`.
///
/// Upstream rule (fieldmanager `Update`): fields added or changed between `old_obj` (null
/// on create) and `new_obj` become owned by `manager`'s Update entry for `api_version`;
/// they are removed from every other manager's set, and fields removed from the object are
/// removed from all sets. On the main resource (`subresource` empty) `status` is never
/// tracked; on `subresource == "status"` only `status` is (upstream's per-strategy reset
/// fields). The entry's time is set to `now` when its set changes.
/// The starting point is `new_obj`'s `metadata.managedFields` when it is a non-empty,
/// decodable list on a main-resource write (upstream lets clients rewrite managedFields; kubectl
/// uses this to migrate client-side-apply ownership to server-side apply, and `[{}]` resets
/// them), otherwise `old_obj`'s.
/// Returns the new `metadata.managedFields` array (write it into the stored object).
expected<json> update_managed_fields(const json& old_obj, const json& new_obj,
                                     const std::string& manager, const std::string& api_version,
                                     const std::string& now, const list_type_info& lists,
                                     const std::string& subresource = {});

/// True when `a` and `b` differ at most in the `time` of their `metadata.managedFields`
/// entries. A server-side apply that changes nothing but its own timestamp is a no-op, as
/// upstream's IgnoreManagedFieldsTimestampsTransformer makes it: no new resourceVersion,
/// no watch event.
bool equal_ignoring_managed_fields_times(const json& a, const json& b);

} // namespace kelos::apiserver
