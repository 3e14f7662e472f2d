#pragma once

#include "k8s/apiserver/structural_schema.hpp"
#include "k8s/json.hpp"

#include <string>
#include <vector>

namespace kelos::apiserver {

using json = kelos::k8s::json;

/// One validation failure, as a `metav1.StatusCause`.
struct field_cause {
  /// "FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported",
  /// "FieldValueTypeInvalid", "FieldValueTooLong", "FieldValueTooMany",
  /// "FieldValueDuplicate", "FieldValueForbidden".
  std::string reason;
  /// Path like `spec.remotes[0].name` (no leading dot).
  std::string field;
  /// The error body, e.g. `Required value` or
  /// `Unsupported value: "foo": supported values: "claude-code", "codex"`.
  std::string message;

  /// `field: message`, the line upstream puts in the Status message.
  std::string render() const;
};

/// Applies `default`s recursively (upstream order: defaults of a node's properties are
/// applied when the property is absent, then recursion into present values; list items and
/// additionalProperties values are defaulted too). `metadata` at the root is left alone.
void apply_defaults(const schema_node& schema, json& obj);

/// Removes fields not declared in the schema (honouring preserve-unknown-fields,
/// additionalProperties and embedded resources) and returns their paths in upstream's
/// spelling (`spec.foo`, `spec.list[0].bar`) in document order. `apiVersion`, `kind` and
/// `metadata` at the root (and in embedded resources) are kept.
std::vector<std::string> prune_unknown_fields(const schema_node& schema, json& obj);

/// Validates `obj` (after defaulting and pruning) against `schema`, including CEL rules.
/// `old_obj` is the stored object on update (null on create); transition rules (those that
/// use `oldSelf`) run only where the old value exists. `metadata` is not validated here.
std::vector<field_cause> validate(const schema_node& schema, const json& obj,
                                  const json* old_obj = nullptr);

/// `fieldValidation` query parameter.
enum class field_validation { ignore, warn, strict };

/// The result of admitting a custom resource write.
struct admission_result {
  /// Defaulted and pruned object.
  json object;
  /// Validation failures (→ 422 Invalid).
  std::vector<field_cause> causes;
  /// Unknown fields found (pruned). With `strict` the write must fail with 400 and
  /// `strict_error`; with `warn` each becomes a `Warning: 299 - "unknown field \"spec.foo\""`.
  std::vector<std::string> unknown_fields;
  /// `strict decoding error: unknown field "spec.foo", unknown field "spec.bar"` (only
  /// when strict and unknown fields exist).
  std::string strict_error;
  /// Warning texts for `warn`: `unknown field "spec.foo"`.
  std::vector<std::string> warnings;
};

/// Default → prune → validate, as the CR handler does on create and update.
admission_result admit_custom_resource(const schema_node& schema, json obj, const json* old_obj,
                                       field_validation mode);

/// Builds the 422 Status for causes: message `<Kind>.<group> "<name>" is invalid: <c>` for one
/// cause, `... is invalid: [<c1>, <c2>]` for several; `details{name, group, kind, causes}`.
json invalid_status(const std::string& kind, const std::string& group, const std::string& name,
                    const std::vector<field_cause>& causes);

} // namespace kelos::apiserver
