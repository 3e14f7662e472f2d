#pragma once

#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace kelos::sources::tmpl {

/// True for the builtin functions this engine provides: and or not len index printf print
/// println eq ne lt le gt ge html js urlquery. (`and`/`or` are evaluated lazily by the
/// executor and never reach `call_builtin`.)
bool is_builtin(std::string_view name);

/// Calls builtin `name` with evaluated arguments. Errors are `invalid_spec` with Go's
/// message text (e.g. `wrong number of args for len: want 1 got 2`, `error calling index:
/// index out of range: 3`). Strings produced may not exceed `limit` bytes.
expected<k8s::json> call_builtin(std::string_view name, const std::vector<const k8s::json*>& args,
                                 std::size_t limit);

/// Go's `index item key...` without copying: returns a pointer into `*args[0]`, to `scratch`
/// (a byte of an indexed string), or to a static null (a missing map key yields the zero
/// value, as in Go). Errors: `index of untyped nil`, `index out of range: N`, wrong key type.
expected<const k8s::json*> index_value(const std::vector<const k8s::json*>& args,
                                       k8s::json& scratch);

/// Go's `template.HTMLEscapeString`.
std::string html_escape(std::string_view s);
/// Go's `template.JSEscapeString`.
std::string js_escape(std::string_view s);
/// Go's `url.QueryEscape`.
std::string query_escape(std::string_view s);

} // namespace kelos::sources::tmpl
