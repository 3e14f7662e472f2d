#pragma once

#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kelos::sources {

namespace tmpl {
struct parsed_template;
} // namespace tmpl

/// What a field lookup (`.Field`, `$x.Field`) does when the JSON object has no such key.
enum class missing_key {
  /// Execution fails naming the key: `map has no entry for key "X"`. Matches the seed,
  /// where template data is a Go struct (unknown fields are exec errors) and dependency
  /// prompts are parsed with `missingkey=error`. The default.
  error,
  /// The lookup yields null, which renders as the empty string; a field of null is null.
  zero,
};

/// Limits and behaviour of one template. Every limit exists so that hostile templates
/// (issue bodies re-parsed as templates, user manifests) cannot exhaust the controller.
struct template_options {
  /// Output (and any single intermediate string, e.g. from `printf`) may not exceed this.
  std::size_t max_output_bytes = std::size_t{1} << 20;
  /// Maximum nesting of control structures and parenthesised pipelines, checked at parse time;
  /// execution recursion is bounded by the same number.
  std::size_t max_depth = 64;
  /// Maximum evaluation steps (nodes walked, operands evaluated, range iterations) per
  /// execution. Bounds nested `range` loops that produce no output.
  std::uint64_t max_steps = 2'000'000;
  /// Behaviour of field lookups of absent keys; see `missing_key`.
  missing_key missing = missing_key::error;
};

/// Rejects zero limits (invalid_spec naming the field).
expected<void> validate(const template_options& opts);

/// A parsed Go `text/template` (the subset documented in docs/templates.md), executed
/// against JSON data. Immutable after parsing and safe to execute from several threads.
///
/// Caveats (differences from Go, all documented in docs/templates.md):
/// - null (Go's nil / missing map entry) renders as the empty string, not `<no value>`;
/// - numbers compare by value across integer and float (Go rejects int vs float);
/// - `define`, `template`, `block` and method calls are not supported (parse error).
class text_template {
public:
  /// Parses `text`. Errors are `parse_error` with Go's shape plus a column:
  /// `template: <name>:<line>:<col>: <message>` (line and column 1-based, in bytes).
  static expected<text_template> parse(std::string name, std::string_view text,
                                       template_options opts = {});

  /// Renders the template with `.` and `$` bound to `data`. Errors are `invalid_spec`
  /// shaped like Go's: `template: <name>:<line>:<col>: executing "<name>" at <action>: <why>`
  /// (column 1-based; Go's is 0-based). Partial output is discarded on error.
  /// Never throws; never produces more than `max_output_bytes`.
  expected<std::string> execute(const k8s::json& data) const;

  /// The name given to `parse`, used in error messages.
  const std::string& name() const noexcept;

private:
  std::shared_ptr<const tmpl::parsed_template> impl_;
};

/// Parses and executes in one step; returns the first error of either.
expected<std::string> render_template(std::string name, std::string_view text,
                                      const k8s::json& data, template_options opts = {});

} // namespace kelos::sources
