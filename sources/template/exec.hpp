#pragma once

#include "sources/template.hpp"
#include "sources/template/ast.hpp"

#include <string>

namespace kelos::sources::tmpl {

/// Walks a parsed template with `.` and `$` bound to `data`. Values are borrowed from
/// `data` where possible (field lookups and `index` never copy subtrees). Enforces
/// `opts.max_output_bytes` and `opts.max_steps`; errors are `invalid_spec`:
/// `template: <name>:<line>:<col>: executing "<name>" at <source of the action>: <why>`.
expected<std::string> execute(const parsed_template& t, const k8s::json& data,
                              const template_options& opts);

} // namespace kelos::sources::tmpl
