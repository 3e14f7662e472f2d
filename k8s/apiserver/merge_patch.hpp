#pragma once

#include "k8s/json.hpp"
#include "runtime/error.hpp"

namespace kelos::apiserver {

using json = kelos::k8s::json;

/// Applies an RFC 7386 JSON merge patch (`application/merge-patch+json`).
///
/// Semantics (RFC 7386 §2): a non-object patch replaces the target; an object patch is
/// merged key by key, `null` deletes a key (and is never stored), nested objects merge
/// recursively, arrays are replaced as a whole. Nulls nested inside a replacement value that
/// is not merged (e.g. `{"a":{"b":null}}` when the target has no `a`) are removed as the RFC
/// pseudo-code does. Errors only for a malformed patch body, which cannot happen for parsed
/// JSON, so this returns the merged document.
json apply_merge_patch(const json& target, const json& patch);

/// Computes a merge patch that turns `original` into `modified` (`null` for removed keys,
/// whole arrays when they differ). `apply_merge_patch(original, result) == modified` holds
/// when `modified` contains no explicit nulls.
json create_merge_patch(const json& original, const json& modified);

} // namespace kelos::apiserver
