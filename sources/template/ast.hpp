#pragma once

#include "k8s/json.hpp"
#include "sources/template.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace kelos::sources::tmpl {

struct pipe_node;

/// Kinds of operands (Go's FieldNode, VariableNode, IdentifierNode, DotNode, literals,
/// and a parenthesised pipeline).
enum class arg_kind { field, variable, identifier, dot, nil, literal, pipe };

/// One operand of a command. `fields` is the trailing chain (`$x.A.B`, `(pipe).A`);
/// for `arg_kind::field` it is the whole path (`.A.B` → {"A","B"}).
struct arg_node {
  arg_kind kind = arg_kind::dot;
  std::string name;                ///< Identifier or variable name (with `$`).
  std::vector<std::string> fields; ///< Field chain.
  k8s::json literal;               ///< Value of a literal (string, number, bool).
  std::shared_ptr<pipe_node> pipe; ///< Parenthesised pipeline.
  std::size_t begin = 0;           ///< Source span, for error messages.
  std::size_t end = 0;
};

/// A command: operands separated by spaces; the first names what is executed.
struct command_node {
  std::vector<arg_node> args;
  std::size_t begin = 0;
  std::size_t end = 0;
};

/// A pipeline with optional variable declarations (`$i, $v :=`) or assignment (`$x =`).
struct pipe_node {
  std::vector<std::string> decl;
  bool is_assign = false;
  std::vector<command_node> cmds;
  std::size_t begin = 0;
  std::size_t end = 0;
};

/// Kinds of nodes in a template body.
enum class node_kind { text, action, if_, range, with, break_, continue_ };

/// A node of the template body. `if`/`range`/`with` use `pipe`, `list` and `else_list`.
struct node {
  node_kind kind = node_kind::text;
  std::string text;                ///< Literal text.
  std::shared_ptr<pipe_node> pipe; ///< Action or control pipeline.
  std::vector<node> list;
  std::vector<node> else_list;
  std::size_t begin = 0; ///< Source span of the action (`{{` .. `}}`).
  std::size_t end = 0;
};

/// A parsed template: its name, source (for error messages) and body.
struct parsed_template {
  std::string name;
  std::string source;
  std::vector<node> root;
  template_options options; ///< Limits applied when executing.
};

} // namespace kelos::sources::tmpl
