#pragma once

#include <cstddef>
#include <string_view>

namespace kelos::apiserver {

/// Deepest nesting the server accepts in a request body. Real Kubernetes objects nest a few
/// dozen levels; nlohmann's parser, its copy constructor and our recursive patch/SSA/schema
/// walks all use the native stack (a 100k-deep `[[[…]]]` crashes the parse itself on an
/// 8 MiB stack). Go's encoding/json stops at 10000; we stop earlier because our frames are
/// larger at -O0.
inline constexpr size_t max_json_nesting = 1000;

/// The maximum `{`/`[` nesting depth of JSON text, scanned iteratively without parsing
/// (brackets inside strings, including escaped quotes, are ignored). Call it on request bodies
/// *before* `json::parse` and answer 400 when it exceeds `max_json_nesting`. Malformed text
/// gives a best-effort depth; the parser reports the syntax error afterwards.
size_t json_nesting_depth(std::string_view text) noexcept;

} // namespace kelos::apiserver
