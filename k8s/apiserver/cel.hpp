#pragma once

#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace kelos::apiserver {

using json = kelos::k8s::json;

namespace detail {
struct cel_node;
} // namespace detail

/// A compiled CEL expression (the subset used by `x-kubernetes-validations`).
///
/// Supported: `self`, `oldSelf`, field access `a.b`, index `a[0]` / `a['k']`, `has(a.b)`,
/// `== != < <= > >=`, `&& || !`, `+ - * / %` on numbers (and `+` on strings/lists),
/// ternary `c ? a : b`, `in`, literals (int, uint `1u`, double, string '…' or "…", bool,
/// null, lists `[..]`, maps `{k: v}`), `size(x)`/`x.size()`, `x.all(v, p)`, `x.exists(v, p)`,
/// `x.exists_one(v, p)`, `x.map(v, e)`, `x.map(v, p, e)`, `x.filter(v, p)`, `s.matches(re)`,
/// `s.startsWith(t)`, `s.endsWith(t)`, `s.contains(t)`, `s.lowerAscii()`, `s.upperAscii()`,
/// `s.trim()`, `int(x)`, `string(x)`, `type`-free equality of lists/maps.
/// Macros on maps iterate over keys, as in CEL.
class cel_program {
public:
  cel_program() = default;
  /// The expression text as compiled.
  const std::string& source() const noexcept { return source_; }
  /// True when the expression mentions `oldSelf` (a transition rule, evaluated only on
  /// update when an old value exists).
  bool uses_old_self() const noexcept { return uses_old_self_; }
  /// True for a default-constructed (empty) program.
  bool empty() const noexcept { return root_ == nullptr; }

private:
  friend expected<cel_program> cel_compile(std::string_view);
  friend expected<json> cel_evaluate(const cel_program&, const json&, const json*);
  std::shared_ptr<const detail::cel_node> root_;
  std::string source_;
  bool uses_old_self_ = false;
};

/// Parses and checks `expression`. Errors (`invalid_spec`) carry a position and name the
/// problem, e.g. `compilation failed: ERROR: <input>:1:6: undeclared reference to 'foo'` or
/// `unsupported function 'getMonth'`; unknown identifiers and functions are rejected here,
/// never at evaluation time. Never throws.
expected<cel_program> cel_compile(std::string_view expression);

/// Evaluates `program` with `self` (and `oldSelf` when `old_self` is non-null).
/// Returns the result value. Errors (`invalid_spec`): runtime failures such as
/// `no such key: foo`, `no matching overload for '<' applied to (string, int)`, division by
/// zero, `oldSelf` referenced without an old value. Never throws.
expected<json> cel_evaluate(const cel_program& program, const json& self,
                            const json* old_self = nullptr);

} // namespace kelos::apiserver
