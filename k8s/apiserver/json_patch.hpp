#pragma once

#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace kelos::apiserver {

using json = kelos::k8s::json;

/// Splits an RFC 6901 JSON pointer ("/a/b~1c/0") into unescaped reference tokens
/// ("a", "b/c", "0"). `~1` becomes `/` and `~0` becomes `~` (in that order, as the RFC
/// requires). The empty pointer "" yields no tokens (the whole document).
/// Errors (`bad_request`): a non-empty pointer not starting with `/`, or `~` followed by
/// anything but `0`/`1`.
expected<std::vector<std::string>> parse_json_pointer(std::string_view pointer);

/// Escapes one reference token for use in a pointer (`~` → `~0`, `/` → `~1`).
std::string escape_json_pointer_token(std::string_view token);

/// Applies an RFC 6902 JSON patch (`application/json-patch+json`) to `doc`.
///
/// Supports add, remove, replace, move, copy and test, the `-` array index (append) for
/// add/move/copy targets, and pointer escaping. The patch is applied atomically: on any
/// failure the input is untouched and the error (always `bad_request`) names the operation
/// index and path, e.g.
/// `operation 2 (replace): path "/spec/x": no such key "x"`.
/// A failing `test` op yields `bad_request` with `test failed` in the message, which the
/// HTTP layer maps to 422 like upstream ("the server rejected our request due to an error
/// in our request").
/// Never throws.
expected<json> apply_json_patch(const json& doc, const json& patch);

} // namespace kelos::apiserver
