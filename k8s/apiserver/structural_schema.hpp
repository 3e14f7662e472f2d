#pragma once

#include "k8s/apiserver/cel.hpp"
#include "k8s/apiserver/list_types.hpp"
#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kelos::apiserver {

using json = kelos::k8s::json;

/// One `x-kubernetes-validations` entry, compiled.
struct validation_rule {
  std::string rule;
  /// `message`; empty means upstream's default `failed rule: <rule>`.
  std::string message;
  /// `fieldPath` (relative, e.g. `.name`) if given.
  std::string field_path;
  /// `reason` (FieldValueInvalid by default); Forbidden/Required/Duplicate change the cause.
  std::string reason;
  /// The compiled `rule`.
  cel_program program;
};

/// A compiled regular expression (opaque; std::regex ECMAScript inside).
struct compiled_pattern;

/// One node of a compiled structural schema (`openAPIV3Schema`).
struct schema_node {
  /// "object", "array", "string", "integer", "number", "boolean", or "" (any: only with
  /// int-or-string or preserve-unknown-fields).
  std::string type;
  /// `nullable: true`: null is a valid value (and is kept by defaulting).
  bool nullable = false;
  /// `x-kubernetes-int-or-string` (or controller-gen's `anyOf: [integer, string]`).
  bool int_or_string = false;
  /// `x-kubernetes-preserve-unknown-fields`: unknown children are neither pruned nor reported.
  bool preserve_unknown_fields = false;
  /// `x-kubernetes-embedded-resource`: apiVersion/kind/metadata are kept like at the root.
  bool embedded_resource = false;
  /// `format`; only `date-time` is checked.
  std::string format;
  /// `properties` by name.
  std::map<std::string, schema_node> properties;
  /// `items` schema of an array.
  std::shared_ptr<schema_node> items;
  /// `additionalProperties` as a schema (a map of values).
  std::shared_ptr<schema_node> additional_properties;
  /// `additionalProperties: false` was given explicitly (true/absent mean "not a map").
  bool additional_properties_false = false;
  /// `required` property names.
  std::vector<std::string> required;
  /// `enum` values (empty: no constraint).
  std::vector<json> enum_values;
  /// `pattern` as written (for messages) and compiled once (null when absent).
  std::string pattern;
  std::shared_ptr<const compiled_pattern> pattern_regex;
  /// `minimum`/`maximum` with the OpenAPI v3.0 boolean `exclusiveMinimum/Maximum`.
  std::optional<double> minimum;
  std::optional<double> maximum;
  bool exclusive_minimum = false;
  bool exclusive_maximum = false;
  /// Length limits (characters), item counts and property counts.
  std::optional<int64_t> min_length, max_length;
  std::optional<int64_t> min_items, max_items;
  std::optional<int64_t> min_properties, max_properties;
  /// `default` value, applied before validation.
  std::optional<json> default_value;
  /// `x-kubernetes-list-type` ("atomic", "set", "map" or "").
  std::string list_type;
  /// `x-kubernetes-list-map-keys` (required when `list_type == "map"`).
  std::vector<std::string> list_map_keys;
  /// `x-kubernetes-validations`, compiled.
  std::vector<validation_rule> rules;
};

/// Compiles an `openAPIV3Schema` document.
///
/// Errors (`invalid_spec`) name the schema path, e.g.
/// `spec.validation.openAPIV3Schema.properties[spec].pattern: invalid regex ...` or a CEL
/// compile error (`...x-kubernetes-validations[0].rule: compilation failed: ...`).
/// Unsupported keywords that change meaning (`$ref`, `allOf`/`anyOf`/`oneOf`/`not`) are
/// accepted but ignored, except that `anyOf`/`allOf` with int-or-string is understood.
/// Never throws.
expected<schema_node> compile_schema(const json& open_api_v3_schema);

/// List strategies (`x-kubernetes-list-type`, `list-map-keys`) of a CRD schema for
/// server-side apply. Lists without a list type are atomic, as upstream treats CRs.
list_type_info list_types_from_schema(const schema_node& root);

} // namespace kelos::apiserver
