#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "k8s/json.hpp"
#include "runtime/error.hpp"

namespace kelos::apiserver {

/// The JSONPath subset used by CRD printer columns and `kubectl -o jsonpath`:
///   `.a.b`, `a.b` (leading dot optional), `{.a.b}` (braces stripped), `.a[0]`, `.a[-1]`,
///   `.a[*].b`, `.a.*`, `['key.with.dots']` / `["k"]`, and filters
///   `[?(@.type=="Ready")]`, `[?(@.x!='y')]`, `[?(@.n>1)]` (== != < <= > >=, string,
///   number, true/false/null literals) and `[?(@.key)]` (existence).
/// Not supported: `..` (recursive descent), unions `[0,1]`, slices, functions.
///
/// Returns every matched value in document order (empty when nothing matches — a
/// missing field is not an error); errc::invalid_spec for a malformed expression.
expected<std::vector<k8s::json>> jsonpath_eval(const k8s::json& doc, std::string_view expr);

/// Validates an expression without evaluating it (as the CRD validator does for
/// printer-column jsonPath).
expected<void> jsonpath_validate(std::string_view expr);

/// Renders one value as the upstream printer-column code does: strings as-is, numbers
/// and booleans as JSON text, null as "", arrays and objects as compact JSON
/// (e.g. `["a","b"]`).
std::string jsonpath_render(const k8s::json& value);

} // namespace kelos::apiserver
