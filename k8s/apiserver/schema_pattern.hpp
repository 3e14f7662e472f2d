#pragma once

#include "k8s/apiserver/structural_schema.hpp"

#include <regex>

namespace kelos::apiserver {

/// Definition of the opaque `compiled_pattern` (kept out of structural_schema.hpp so that
/// <regex> is only included where patterns are compiled or matched).
struct compiled_pattern {
  std::regex regex;
};

/// Longest input (bytes) matched against a pattern. libstdc++'s std::regex recurses once per
/// repeated character, so ~25k characters overflow an 8 MiB stack at -O0; longer inputs are
/// rejected instead of matched (a deliberate difference from upstream's RE2).
inline constexpr size_t max_pattern_input = 4096;

/// Compiles an OpenAPI `pattern` (ECMAScript flavour). Errors (`invalid_spec`) carry the
/// std::regex message.
expected<std::shared_ptr<const compiled_pattern>> compile_pattern(const std::string& pattern);

/// True when `pattern` matches anywhere in `text` (OpenAPI patterns are unanchored).
bool pattern_matches(const compiled_pattern& pattern, const std::string& text);

} // namespace kelos::apiserver
