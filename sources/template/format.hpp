#pragma once

#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::sources::tmpl {

/// Go's `fmt.Sprintf` over JSON values. Verbs: `%v %s %d %q %t %x %X %o %b %c %e %E %f %F
/// %g %G %%`, flags `+ - # 0 space`, width and precision (also `*`). Mismatches render as
/// Go does: `%!d(string=abc)`, `%!s(MISSING)`, `%!(EXTRA int=1)`, `%!(NOVERB)`; widths and
/// precisions above 1e6 give `%!(BADWIDTH)` / `%!(BADPREC)` like Go. Fails (invalid_spec)
/// only when the result would exceed `limit` bytes.
expected<std::string> go_sprintf(std::string_view format, const std::vector<const k8s::json*>& args,
                                 std::size_t limit);

/// Go's `fmt.Sprint`: operands in `%v` form, a space between two operands when neither is
/// a string.
std::string go_sprint(const std::vector<const k8s::json*>& args);

/// Go's `fmt.Sprintln`: operands in `%v` form separated by spaces, then a newline.
std::string go_sprintln(const std::vector<const k8s::json*>& args);

/// Go's `strconv.Quote` (non-ASCII code points are treated as printable).
std::string go_quote(std::string_view s);

} // namespace kelos::sources::tmpl
