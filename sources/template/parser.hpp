#pragma once

#include "sources/template/ast.hpp"
#include "runtime/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace kelos::sources::tmpl {

/// Parses `src` into a tree, with Go's text/template grammar and checks: undefined
/// variables, `break`/`continue` outside `range`, unmatched `end`/`else`, empty commands,
/// literals in non-first pipeline stages. Nesting (control structures plus parentheses)
/// beyond `max_depth` is an error, which bounds recursion in the parser, the executor and
/// the tree's destructor. Errors: `parse_error`, `template: <name>:<line>:<col>: <msg>`.
expected<parsed_template> parse(std::string name, std::string_view src, std::size_t max_depth);

} // namespace kelos::sources::tmpl
