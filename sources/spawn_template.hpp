#pragma once

/// The template data of a spawned Task and the default prompt (seed §3.6), rendered with the
/// shared Go text/template engine (sources/template.hpp).

#include "k8s/json.hpp"
#include "runtime/error.hpp"
#include "sources/work_item.hpp"

#include <string>
#include <string_view>

namespace kelos::sources {

/// The prompt used when `taskTemplate.promptTemplate` is empty, byte for byte the seed's:
/// the line `<Kind> #<Number>: <Title>`, a blank line, the Body, and only when Comments is
/// non-empty a blank line, `Comments:` and the Comments (the trim markers eat the newline
/// before the conditional block, so there is no trailing newline).
inline constexpr std::string_view default_prompt_template =
  "{{.Kind}} #{{.Number}}: {{.Title}}\n"
  "\n"
  "{{.Body}}\n"
  "{{- if .Comments}}\n"
  "\n"
  "Comments:\n"
  "{{.Comments}}\n"
  "{{- end}}";

/// The template data of one item, a flat object with exactly the seed's fields:
/// `ID`, `Number` (integer), `Title`, `Body`, `URL`, `Labels` (the labels joined with
/// `", "`, a string, not a list), `Comments`, `Kind` (`"Issue"` when the item's kind is
/// empty), `Time`, `Schedule`. Fields a source does not fill are empty strings (0 for
/// Number). Any other field (`.Foo`) is an execution error, as with the seed's Go struct.
k8s::json spawn_template_data(const work_item& item);

/// Renders the prompt of the Task spawned for `item`: `prompt_template`, or
/// `default_prompt_template` when it is empty. Errors are `parse_error` / `invalid_spec`
/// prefixed with the field, e.g.
/// `promptTemplate: template: prompt:1:3: executing "prompt" at <.Foo>: map has no entry for key "Foo"`.
/// Item text is data, never template source: braces in a title or body are copied verbatim.
kelos::expected<std::string> render_spawn_prompt(const std::string& prompt_template, const work_item& item);

/// Renders `taskTemplate.branch` for `item` with the same data (no sanitising of the result,
/// as the seed). An empty template renders as the empty string (no branch). Errors are
/// prefixed `branch: `.
kelos::expected<std::string> render_spawn_branch(const std::string& branch_template, const work_item& item);

/// True when a template may read `.Comments`, so a source knows whether it must fetch
/// comments. Conservative textual check: true when the text mentions `Comments` anywhere
/// (also `index . "Comments"`), and for the empty template (the default prompt uses it).
/// Call it for the prompt template; a branch template is rendered from the same data, so
/// pass it too if comments in branch names matter.
bool template_uses_comments(const std::string& prompt_template);

} // namespace kelos::sources
