#include "sources/template/parser.hpp"

#include "sources/template/funcs.hpp"
#include "sources/template/lexer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>

namespace kelos::sources::tmpl {

namespace {

// Thrown only inside this file to unwind the recursive descent; converted to an
// `expected` in `parse` below and never crosses the interface.
struct parse_failure {
  kelos::error err;
};

std::optional<k8s::json> parse_number(std::string text) {
  std::erase(text, '_');
  if (text.empty())
    return std::nullopt;
  bool neg = false;
  std::string body = text;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.erase(0, 1);
  }
  if (body.empty())
    return std::nullopt;
  auto lower = body;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  int base = 0;
  std::string digits;
  if (lower.starts_with("0x") && lower.find_first_of(".p") == std::string::npos) {
    base = 16;
    digits = body.substr(2);
  } else if (lower.starts_with("0b")) {
    base = 2;
    digits = body.substr(2);
  } else if (lower.starts_with("0o")) {
    base = 8;
    digits = body.substr(2);
  } else if (std::all_of(body.begin(), body.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    base = body.size() > 1 && body[0] == '0' ? 8 : 10;
    digits = body;
  }
  if (base != 0) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    if (ec == std::errc{} && p == digits.data() + digits.size() && !digits.empty()) {
      if (!neg) {
        if (v <= static_cast<std::uint64_t>(INT64_MAX))
          return k8s::json(static_cast<std::int64_t>(v));
        return k8s::json(v);
      }
      if (v <= static_cast<std::uint64_t>(INT64_MAX))
        return k8s::json(-static_cast<std::int64_t>(v));
      if (v == static_cast<std::uint64_t>(INT64_MAX) + 1)
        return k8s::json(INT64_MIN);
    }
    if (ec != std::errc::result_out_of_range)
      return std::nullopt;
  }
  // Floats (including integers too large for 64 bits, as Go does).
  if (lower.find_first_of("0123456789") == std::string::npos)
    return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(d))
    return std::nullopt;
  return k8s::json(d);
}

class parser {
public:
  parser(std::string_view name, std::string_view src, std::vector<token> toks,
         std::size_t max_depth)
    : name_(name), src_(src), toks_(std::move(toks)), max_depth_(max_depth) {
    // nop
  }

  std::vector<node> run() {
    std::vector<node> root;
    auto term = parse_list(root, true);
    (void) term;
    return root;
  }

private:
  enum class terminator { eof, end, else_ };

  [[noreturn]] void fail(std::size_t pos, std::string_view msg) {
    throw parse_failure{parse_error_at(name_, src_, pos, msg)};
  }

  // The token list ends with eof; reading past it keeps returning eof.
  const token& peek() const { return toks_[std::min(idx_, toks_.size() - 1)]; }
  const token& next() {
    const auto& t = peek();
    ++idx_;
    return t;
  }
  const token& peek_non_space() {
    while (peek().kind == token_kind::space)
      ++idx_;
    return peek();
  }
  const token& prev() const { return toks_[std::min(idx_ - 1, toks_.size() - 1)]; }
  const token& next_non_space() {
    peek_non_space();
    return next();
  }

  static std::string describe(const token& t) {
    switch (t.kind) {
      case token_kind::eof: return "EOF";
      case token_kind::right_delim: return "}}";
      case token_kind::left_delim: return "{{";
      case token_kind::string: return "string";
      case token_kind::space: return "space";
      default: return '"' + t.text + '"';
    }
  }

  void expect_right_delim(std::string_view context) {
    const auto& t = next_non_space();
    if (t.kind != token_kind::right_delim)
      fail(t.pos, "unexpected " + describe(t) + " in " + std::string{context});
  }

  void enter(std::size_t pos) {
    if (++depth_ > max_depth_)
      fail(pos, "nesting too deep (limit " + std::to_string(max_depth_) + ")");
  }

  terminator parse_list(std::vector<node>& out, bool top) {
    for (;;) {
      const auto& t = next();
      if (t.kind == token_kind::eof) {
        if (!top)
          fail(t.pos, "unexpected EOF");
        return terminator::eof;
      }
      if (t.kind == token_kind::text) {
        node n;
        n.kind = node_kind::text;
        n.text = t.text;
        n.begin = t.pos;
        n.end = t.end;
        out.push_back(std::move(n));
        continue;
      }
      // left delimiter
      auto start = t.pos;
      const auto& k = peek_non_space();
      if (k.kind == token_kind::keyword) {
        auto word = k.text;
        auto kpos = k.pos;
        if (word == "end" || word == "else") {
          if (top)
            fail(kpos, "unexpected {{" + word + "}}");
          next();
          if (word == "end") {
            expect_right_delim("end");
            return terminator::end;
          }
          return terminator::else_;
        }
        if (word == "if" || word == "range" || word == "with") {
          next();
          out.push_back(parse_control(word, start));
          continue;
        }
        if (word == "break" || word == "continue") {
          next();
          if (range_depth_ == 0)
            fail(kpos, "{{" + word + "}} outside {{range}}");
          expect_right_delim(word);
          node n;
          n.kind = word == "break" ? node_kind::break_ : node_kind::continue_;
          n.begin = start;
          n.end = prev().end;
          out.push_back(std::move(n));
          continue;
        }
        fail(kpos, "{{" + word + "}} is not supported");
      }
      node n;
      n.kind = node_kind::action;
      n.pipe = pipeline("command", token_kind::right_delim);
      n.begin = start;
      n.end = prev().end;
      out.push_back(std::move(n));
    }
  }

  // Parses `pipeline }} list [{{else}} list] {{end}}` after the keyword.
  node parse_control(const std::string& word, std::size_t start) {
    enter(start);
    auto vars_mark = vars_.size();
    node n;
    n.kind = word == "if" ? node_kind::if_ : word == "range" ? node_kind::range : node_kind::with;
    n.begin = start;
    n.pipe = pipeline(word, token_kind::right_delim);
    n.end = prev().end;
    if (n.kind == node_kind::range)
      ++range_depth_;
    auto term = parse_list(n.list, false);
    if (n.kind == node_kind::range)
      --range_depth_;
    if (term == terminator::else_) {
      const auto& k = peek_non_space();
      if ((word == "if" && k.kind == token_kind::keyword && k.text == "if")
          || (word == "with" && k.kind == token_kind::keyword && k.text == "with")) {
        // `{{else if ...}}` is `{{else}}{{if ...}}...{{end}}{{end}}` with a shared end.
        auto pos = k.pos;
        next();
        n.else_list.push_back(parse_control(word, pos));
      } else {
        expect_right_delim("else");
        if (parse_list(n.else_list, false) != terminator::end)
          fail(prev().pos, "expected end; found {{else}}");
      }
    }
    vars_.resize(vars_mark);
    --depth_;
    return n;
  }

  bool is_declared(const std::string& v) const {
    return std::find(vars_.begin(), vars_.end(), v) != vars_.end();
  }

  std::shared_ptr<pipe_node> pipeline(const std::string& context, token_kind end_kind) {
    auto p = std::make_shared<pipe_node>();
    p->begin = peek_non_space().pos;
    // Declarations: `$x :=`, `$x =`, `$i, $v :=` (range only).
    std::vector<std::pair<std::string, std::size_t>> pending;
    for (;;) {
      auto save = idx_;
      const auto& v = peek_non_space();
      if (v.kind != token_kind::variable)
        break;
      auto vname = v.text;
      auto vpos = v.pos;
      next();
      const auto& op = peek_non_space();
      if (op.kind == token_kind::declare || op.kind == token_kind::assign) {
        p->is_assign = op.kind == token_kind::assign;
        next();
        pending.emplace_back(vname, vpos);
        break;
      }
      if (op.kind == token_kind::comma) {
        next();
        pending.emplace_back(vname, vpos);
        if (context == "range" && pending.size() < 2) {
          if (peek_non_space().kind != token_kind::variable)
            fail(peek().pos, "range can only initialize variables");
          continue;
        }
        fail(op.pos, "too many declarations in " + context);
      }
      if (!pending.empty())
        fail(op.pos, "missing := after range variables");
      idx_ = save; // an operand, not a declaration
      break;
    }
    for (auto& [vname, vpos] : pending) {
      if (p->is_assign && !is_declared(vname))
        fail(vpos, "undefined variable \"" + vname + "\"");
      p->decl.push_back(vname);
    }
    for (;;) {
      const auto& t = next_non_space();
      if (t.kind == end_kind) {
        if (p->cmds.empty())
          fail(t.pos, "missing value for " + context);
        for (std::size_t i = 1; i < p->cmds.size(); ++i) {
          auto k = p->cmds[i].args[0].kind;
          if (k == arg_kind::literal || k == arg_kind::dot || k == arg_kind::nil)
            fail(p->cmds[i].begin,
                 "non executable command in pipeline stage " + std::to_string(i + 1));
        }
        p->end = t.pos;
        break;
      }
      if (t.kind == token_kind::right_delim || t.kind == token_kind::right_paren
          || t.kind == token_kind::eof)
        fail(t.pos, "unexpected " + describe(t) + " in " + context);
      --idx_;
      p->cmds.push_back(command());
    }
    // Declared variables become visible after their pipeline (Go adds them while parsing,
    // but an undefined use inside its own pipeline is an error there too).
    if (!p->is_assign)
      for (auto& d : p->decl)
        vars_.push_back(d);
    return p;
  }

  command_node command() {
    command_node c;
    c.begin = peek_non_space().pos;
    for (;;) {
      peek_non_space();
      if (auto a = operand())
        c.args.push_back(std::move(*a));
      const auto& t = next();
      if (t.kind == token_kind::space)
        continue;
      if (t.kind == token_kind::right_delim || t.kind == token_kind::right_paren) {
        --idx_;
      } else if (t.kind != token_kind::pipe) {
        fail(t.pos, "unexpected " + describe(t) + " in operand");
      }
      break;
    }
    if (c.args.empty())
      fail(c.begin, "empty command");
    c.end = c.args.back().end;
    return c;
  }

  std::optional<arg_node> operand() {
    auto a = term();
    if (!a)
      return std::nullopt;
    while (peek().kind == token_kind::field) {
      const auto& f = next();
      switch (a->kind) {
        case arg_kind::literal:
        case arg_kind::nil:
        case arg_kind::dot:
          fail(f.pos, "unexpected . after term");
        default:
          a->fields.push_back(f.text);
          a->end = f.end;
      }
    }
    return a;
  }

  std::optional<arg_node> term() {
    const auto& t = next_non_space();
    arg_node a;
    a.begin = t.pos;
    a.end = t.end;
    switch (t.kind) {
      case token_kind::identifier:
        if (!is_builtin(t.text))
          fail(t.pos, "function \"" + t.text + "\" not defined");
        a.kind = arg_kind::identifier;
        a.name = t.text;
        return a;
      case token_kind::dot:
        a.kind = arg_kind::dot;
        return a;
      case token_kind::nil:
        a.kind = arg_kind::nil;
        return a;
      case token_kind::variable:
        if (!is_declared(t.text))
          fail(t.pos, "undefined variable \"" + t.text + "\"");
        a.kind = arg_kind::variable;
        a.name = t.text;
        return a;
      case token_kind::field:
        a.kind = arg_kind::field;
        a.fields.push_back(t.text);
        return a;
      case token_kind::boolean:
        a.kind = arg_kind::literal;
        a.literal = t.text == "true";
        return a;
      case token_kind::string:
        a.kind = arg_kind::literal;
        a.literal = t.text;
        return a;
      case token_kind::number: {
        auto v = parse_number(t.text);
        if (!v)
          fail(t.pos, "illegal number syntax: \"" + t.text + "\"");
        a.kind = arg_kind::literal;
        a.literal = std::move(*v);
        return a;
      }
      case token_kind::left_paren: {
        enter(t.pos);
        a.kind = arg_kind::pipe;
        a.pipe = pipeline("parenthesized pipeline", token_kind::right_paren);
        a.end = prev().end;
        --depth_;
        return a;
      }
      default:
        --idx_;
        return std::nullopt;
    }
  }

  std::string_view name_;
  std::string_view src_;
  std::vector<token> toks_;
  std::size_t max_depth_;
  std::size_t idx_ = 0;
  std::size_t depth_ = 0;
  std::size_t range_depth_ = 0;
  std::vector<std::string> vars_{"$"};
};

} // namespace

expected<parsed_template> parse(std::string name, std::string_view src, std::size_t max_depth) {
  auto toks = lex(name, src, max_depth);
  if (!toks)
    return std::move(toks).error();
  parsed_template out;
  out.name = name;
  out.source = std::string{src};
  try {
    parser p{out.name, out.source, std::move(*toks), max_depth};
    out.root = p.run();
  } catch (const parse_failure& f) {
    return f.err;
  }
  return out;
}

} // namespace kelos::sources::tmpl
