#pragma once

#include "k8s/apiserver/structural_schema.hpp"

#include <regex>

namespace kelos::apiserver {

/// Definition of the opaque `compiled_pattern` (kept out of structural_schema.hpp so that
/// <regex> is only included where patterns are compiled or matched).
struct compiled_pattern {
  std::regex regex;
};

/// Compiles an OpenAPI `pattern` (ECMAScript flavour). Errors (`invalid_spec`) carry the
/// std::regex message.
expected<std::shared_ptr<const compiled_pattern>> compile_pattern(const std::string& pattern);

/// True when `pattern` matches anywhere in `text` (OpenAPI patterns are unanchored).
bool pattern_matches(const compiled_pattern& pattern, const std::string& text);

} // namespace kelos::apiserver
