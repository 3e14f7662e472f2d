#pragma once

#include "runtime/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::sources::tmpl {

/// Token kinds of Go's text/template lexer (text/template/parse/lex.go).
enum class token_kind {
  text,        ///< Literal text outside actions (already trimmed by `-` markers).
  left_delim,  ///< `{{` (with or without trim marker).
  right_delim, ///< `}}` (with or without trim marker).
  space,       ///< Run of spaces inside an action; separates operands.
  identifier,  ///< Function name, e.g. `printf`.
  keyword,     ///< if else end range with break continue define template block.
  field,       ///< `.Name` (text holds the name without the dot).
  variable,    ///< `$` or `$name` (text includes the `$`).
  dot,         ///< `.` alone.
  declare,     ///< `:=`
  assign,      ///< `=`
  pipe,        ///< `|`
  left_paren,  ///< `(`
  right_paren, ///< `)`
  comma,       ///< `,`
  string,      ///< Quoted or raw string; text holds the unquoted value.
  number,      ///< Number or character constant; text holds the source spelling.
  boolean,     ///< `true` / `false`.
  nil,         ///< `nil`.
  eof,         ///< End of input.
};

/// One token. `pos` is the byte offset of its first character in the source.
struct token {
  token_kind kind = token_kind::eof;
  std::string text;
  std::size_t pos = 0;
  std::size_t end = 0; ///< Byte offset one past the token in the source.
};

/// Line and column (both 1-based, column in bytes) of byte offset `pos` in `src`.
struct line_col {
  std::size_t line = 1;
  std::size_t col = 1;
};
line_col locate(std::string_view src, std::size_t pos);

/// Splits `src` into tokens, ending with one `eof` token. Comments are dropped and trim
/// markers applied. Errors (`parse_error`) are `template: <name>:<line>:<col>: <msg>`.
/// Total for any byte sequence; parenthesis nesting is bounded by `max_paren_depth`.
expected<std::vector<token>> lex(std::string_view name, std::string_view src,
                                 std::size_t max_paren_depth);

/// Formats a parse-time error message with the position of `pos`.
kelos::error parse_error_at(std::string_view name, std::string_view src, std::size_t pos,
                            std::string_view message);

} // namespace kelos::sources::tmpl
