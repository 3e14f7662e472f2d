#pragma once

#include "k8s/json.hpp"
#include "k8s/resource_registry.hpp"
#include "runtime/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace kelos::apiserver {

using k8s::json;

/// The operator of one label requirement.
enum class label_op { equals, not_equals, in, not_in, exists, not_exists };

/// One requirement of a label selector, e.g. `tier in (a,b)`.
struct label_requirement {
  std::string key;
  label_op op = label_op::exists;
  /// Values for equals/not_equals (exactly one), in/not_in (one or more); empty otherwise.
  std::vector<std::string> values;

  /// Whether `labels` (a JSON object of string → string, or null) satisfies this requirement.
  /// `!=` and `notin` match objects that do not have the key (upstream semantics).
  bool matches(const json& labels) const;
};

/// A conjunction of label requirements. The empty selector matches everything.
struct label_selector {
  std::vector<label_requirement> requirements;

  bool empty() const { return requirements.empty(); }
  /// Whether an object's `metadata.labels` (object or null) satisfies every requirement.
  bool matches(const json& labels) const;
  /// Canonical string form (`a=b,c in (d,e),!f`), parseable by `parse_label_selector`.
  std::string to_string() const;
};

/// Parses the query-string form: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`,
/// `!k`, joined by commas. Whitespace around tokens is ignored. Keys and values are checked
/// against the label syntax (optional DNS prefix + `/` + name of ≤63 chars; values ≤63 chars).
/// Errors are `errc::bad_request` and name the offending token, e.g.
/// `unable to parse requirement: found '(', expected: identifier`.
kelos::expected<label_selector> parse_label_selector(std::string_view text);

/// Converts a `metav1.LabelSelector` object (`matchLabels` + `matchExpressions` with
/// In/NotIn/Exists/DoesNotExist). Null or `{}` gives the empty selector (matches everything,
/// as for a Job's selector). Errors are `errc::invalid_spec`.
kelos::expected<label_selector> label_selector_from_json(const json& selector);

/// One field requirement: `field=value`, `field==value` or `field!=value`.
struct field_requirement {
  std::string field; // "metadata.name", "status.phase", "involvedObject.uid", ...
  bool negate = false;
  std::string value;
};

/// A conjunction of field requirements. The empty selector matches everything.
struct field_selector {
  std::vector<field_requirement> requirements;

  bool empty() const { return requirements.empty(); }
  /// Whether `object` satisfies every requirement. A missing field reads as "".
  bool matches(const json& object) const;
};

/// The fields a resource supports in field selectors: `metadata.name` and
/// `metadata.namespace` for every kind; pods add `status.phase`, `spec.nodeName`,
/// `spec.restartPolicy`, `spec.schedulerName`, `spec.serviceAccountName`, `status.podIP`,
/// `status.nominatedNodeName`; core events add `involvedObject.{kind,namespace,name,uid,
/// apiVersion,resourceVersion,fieldPath}`, `reason`, `reportingComponent`, `source`, `type`;
/// secrets add `type`; namespaces add `status.phase`.
std::vector<std::string> supported_field_selectors(const k8s::resource_info& res);

/// Parses `a=b,c!=d` for `res`. An unknown field is an `errc::bad_request` with the upstream
/// text `"foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace"`
/// (listing the fields the resource supports); a malformed term names the term.
kelos::expected<field_selector> parse_field_selector(std::string_view text,
                                                     const k8s::resource_info& res);

/// Namespace + label + field filter applied by list, watch and deletecollection.
struct object_filter {
  /// Empty = all namespaces (or a cluster-scoped resource).
  std::string namespace_;
  label_selector labels;
  field_selector fields;

  /// Whether a stored object passes the namespace, label and field tests.
  bool matches(const json& object) const;
};

/// Builds a filter from query-string selector texts (either may be empty).
kelos::expected<object_filter> make_filter(const k8s::resource_info& res, std::string_view ns,
                                           std::string_view label_selector_text,
                                           std::string_view field_selector_text);

} // namespace kelos::apiserver
