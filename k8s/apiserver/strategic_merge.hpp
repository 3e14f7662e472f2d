#pragma once

#include "k8s/apiserver/list_types.hpp"
#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <string_view>

namespace kelos::apiserver {

using json = kelos::k8s::json;

/// True when `kind` is a built-in kind that accepts `application/strategic-merge-patch+json`.
/// Custom resources never do (the HTTP layer answers 415 for them, like upstream).
bool strategic_merge_supported(std::string_view kind);

/// Applies a strategic merge patch to `original` using the merge keys of `lists`
/// (usually `builtin_list_types(kind)`).
///
/// Semantics (k8s.io/apimachinery strategicpatch):
/// - maps merge recursively; `null` deletes a key;
/// - lists with a merge key merge items by key (patch items replace/merge the matching
///   item, unknown keys are appended); set lists (`finalizers`) union; other lists replace;
/// - `$patch: replace` on a map replaces it, `$patch: delete` on a map deletes it (on a list
///   item `{name: x, $patch: delete}` deletes the matching item), `$patch: merge` is the
///   default, and a list `[{"$patch": "replace"}, ...]` replaces the list;
/// - `$deleteFromPrimitiveList/<key>: [values]` removes values from a primitive list;
/// - `$setElementOrder/<key>: [...]` reorders the merged list (items not named keep their
///   relative order at the end);
/// - `$retainKeys: [names]` drops map keys not listed (after the merge).
/// All directives are removed from the result. Errors (`bad_request`): malformed directive
/// values, `$patch` values other than replace/delete/merge, keyed list items lacking their
/// merge key. Never throws.
expected<json> apply_strategic_merge_patch(const json& original, const json& patch,
                                           const list_type_info& lists);

/// Convenience: `apply_strategic_merge_patch(original, patch, builtin_list_types(kind))`.
expected<json> apply_strategic_merge_patch(std::string_view kind, const json& original,
                                           const json& patch);

} // namespace kelos::apiserver
