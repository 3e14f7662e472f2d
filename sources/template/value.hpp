#pragma once

#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <string>

namespace kelos::sources::tmpl {

/// Go's truth: false, 0, 0.0, null and empty strings, arrays and objects are false.
bool truth(const k8s::json& v);

/// The Go type a JSON value stands for in messages: `string`, `int`, `float64`, `bool`,
/// `map[string]interface {}`, `[]interface {}`, `<nil>`.
std::string go_type_name(const k8s::json& v);

/// Go's `%v` of a float64 (shortest representation; exponent form below 1e-4 and from 1e6
/// upward as `1e+06`; `+Inf`, `NaN`).
std::string format_float_v(double d);

/// Appends Go's `%v` rendering: strings raw, arrays `[a b]`, objects `map[k:v]` (sorted keys),
/// null as `<nil>`.
void append_value(std::string& out, const k8s::json& v);

/// How an action prints its value: like `append_value` except that a top-level null
/// prints nothing (Go prints `<no value>`; see docs/templates.md).
void append_action_value(std::string& out, const k8s::json& v);

/// `eq`-style equality for basic values: numbers by value, strings, bools, null.
/// Arrays and objects are an error ("non-comparable type").
expected<bool> values_equal(const k8s::json& a, const k8s::json& b);

/// Ordering for `lt`, `le`, `gt`, `ge`: numbers by value or strings bytewise; -1, 0 or 1.
/// Other types, or a number against a string, are errors.
expected<int> values_compare(const k8s::json& a, const k8s::json& b);

} // namespace kelos::sources::tmpl
