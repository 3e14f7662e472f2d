#include "k8s/apiserver/cel.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <regex>
#include <vector>

namespace kelos::apiserver {

namespace detail {

enum class node_kind {
  literal,  // value
  ident,    // name
  select,   // args[0].name
  index,    // args[0][args[1]]
  call,     // name(args...) or args[0].name(args[1..]) when has_target
  macro,    // args[0].name(var, args[1] [, args[2]]); also has(args[0]) with name "has"
  unary,    // op args[0]
  binary,   // args[0] op args[1]
  ternary,  // args[0] ? args[1] : args[2]
  list,     // [args...]
  map,      // {args[0]: args[1], ...}
};

struct cel_node {
  node_kind kind = node_kind::literal;
  json value;
  std::string name;  // ident / field / function / operator
  std::string var;   // macro variable
  std::string var2;  // unused second variable slot (reserved)
  bool has_target = false;
  std::vector<std::shared_ptr<cel_node>> args;
};

} // namespace detail

namespace {

using detail::cel_node;
using detail::node_kind;
using node_ptr = std::shared_ptr<cel_node>;

// ---------------------------------------------------------------- lexer
enum class tok { end, ident, integer, uinteger, number, string, punct };

struct token {
  tok type = tok::end;
  std::string text;
  json value;
  size_t pos = 0;
};

struct syntax_error {
  size_t pos;
  std::string message;
};

struct lexer {
  std::string_view src;
  size_t pos = 0;
  std::optional<syntax_error> error;

  std::vector<token> run() {
    std::vector<token> out;
    while (!error) {
      while (pos < src.size() && std::isspace(static_cast<unsigned char>(src[pos])))
        ++pos;
      token t;
      t.pos = pos;
      if (pos >= src.size()) {
        out.push_back(t);
        break;
      }
      char c = src[pos];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t start = pos;
        while (pos < src.size()
               && (std::isalnum(static_cast<unsigned char>(src[pos])) || src[pos] == '_'))
          ++pos;
        t.type = tok::ident;
        t.text = std::string(src.substr(start, pos - start));
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        lex_number(t);
      } else if (c == '"' || c == '\'') {
        lex_string(t);
      } else {
        static const char* two[] = {"==", "!=", "<=", ">=", "&&", "||"};
        t.type = tok::punct;
        for (const char* op : two)
          if (src.substr(pos, 2) == op)
            t.text = op;
        if (t.text.empty()) {
          if (std::string_view(".,()[]{}?:!<>+-*/%").find(c) == std::string_view::npos) {
            error = syntax_error{pos, std::string("Syntax error: token recognition error at: '")
                                          + c + "'"};
            break;
          }
          t.text = std::string(1, c);
        }
        pos += t.text.size();
      }
      out.push_back(std::move(t));
    }
    return out;
  }

  void lex_number(token& t) {
    size_t start = pos;
    bool is_double = false;
    if (src.substr(pos, 2) == "0x" || src.substr(pos, 2) == "0X") {
      pos += 2;
      while (pos < src.size() && std::isxdigit(static_cast<unsigned char>(src[pos])))
        ++pos;
      int64_t v = 0;
      std::from_chars(src.data() + start + 2, src.data() + pos, v, 16);
      t.type = tok::integer;
      t.value = v;
    } else {
      while (pos < src.size() && std::isdigit(static_cast<unsigned char>(src[pos])))
        ++pos;
      if (pos + 1 < src.size() && src[pos] == '.'
          && std::isdigit(static_cast<unsigned char>(src[pos + 1]))) {
        is_double = true;
        ++pos;
        while (pos < src.size() && std::isdigit(static_cast<unsigned char>(src[pos])))
          ++pos;
      }
      if (pos < src.size() && (src[pos] == 'e' || src[pos] == 'E')) {
        is_double = true;
        ++pos;
        if (pos < src.size() && (src[pos] == '+' || src[pos] == '-'))
          ++pos;
        while (pos < src.size() && std::isdigit(static_cast<unsigned char>(src[pos])))
          ++pos;
      }
      std::string text(src.substr(start, pos - start));
      if (is_double) {
        t.type = tok::number;
        t.value = std::strtod(text.c_str(), nullptr);
      } else {
        int64_t v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc{}) {
          error = syntax_error{start, "integer literal out of range: " + text};
          return;
        }
        t.type = tok::integer;
        t.value = v;
      }
    }
    if (pos < src.size() && (src[pos] == 'u' || src[pos] == 'U')) {
      ++pos;
      t.type = tok::uinteger;
    }
  }

  void lex_string(token& t) {
    char quote = src[pos];
    size_t start = pos;
    ++pos;
    std::string out;
    while (pos < src.size() && src[pos] != quote) {
      char c = src[pos++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos >= src.size())
        break;
      char e = src[pos++];
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        default:
          // Keep unknown escapes for regexes (e.g. '\\d' written as '\d').
          out.push_back('\\');
          out.push_back(e);
      }
    }
    if (pos >= src.size()) {
      error = syntax_error{start, "Syntax error: unterminated string literal"};
      return;
    }
    ++pos;
    t.type = tok::string;
    t.value = out;
  }
};

// ---------------------------------------------------------------- parser
struct parser {
  std::vector<token> toks;
  size_t i = 0;
  std::vector<std::string> scope;  // macro variables in scope
  bool uses_old_self = false;
  std::optional<syntax_error> error;

  const token& peek() const { return toks[i]; }
  bool is_punct(const char* p) const { return peek().type == tok::punct && peek().text == p; }
  bool accept(const char* p) {
    if (is_punct(p)) {
      ++i;
      return true;
    }
    return false;
  }
  node_ptr fail(const std::string& message) {
    if (!error)
      error = syntax_error{peek().pos, message};
    return nullptr;
  }
  bool expect(const char* p) {
    if (accept(p))
      return true;
    fail(std::string("Syntax error: expected '") + p + "'"
         + (peek().type == tok::end ? " at end of input" : ", got '" + token_text(peek()) + "'"));
    return false;
  }
  static std::string token_text(const token& t) {
    if (t.type == tok::punct || t.type == tok::ident)
      return t.text;
    return t.value.dump();
  }

  static node_ptr make(node_kind k) {
    auto n = std::make_shared<cel_node>();
    n->kind = k;
    return n;
  }

  // Bounded recursion: a rule like "((((…" must be a compile error, not a stack overflow.
  int depth = 0;
  struct depth_guard {
    int& d;
    explicit depth_guard(int& x) : d(x) { ++d; }
    ~depth_guard() { --d; }
  };

  node_ptr parse_expr() {
    depth_guard guard(depth);
    if (depth > 100)
      return fail("Syntax error: expression nested too deeply");
    auto cond = parse_or();
    if (!cond)
      return nullptr;
    if (accept("?")) {
      auto a = parse_or();
      if (!a || !expect(":"))
        return nullptr;
      auto b = parse_expr();
      if (!b)
        return nullptr;
      auto n = make(node_kind::ternary);
      n->args = {cond, a, b};
      return n;
    }
    return cond;
  }

  node_ptr binary(const std::string& op, node_ptr a, node_ptr b) {
    auto n = make(node_kind::binary);
    n->name = op;
    n->args = {std::move(a), std::move(b)};
    return n;
  }

  node_ptr parse_or() {
    auto left = parse_and();
    while (left && accept("||")) {
      auto right = parse_and();
      if (!right)
        return nullptr;
      left = binary("||", left, right);
    }
    return left;
  }

  node_ptr parse_and() {
    auto left = parse_rel();
    while (left && accept("&&")) {
      auto right = parse_rel();
      if (!right)
        return nullptr;
      left = binary("&&", left, right);
    }
    return left;
  }

  node_ptr parse_rel() {
    auto left = parse_add();
    while (left) {
      std::string op;
      for (const char* p : {"==", "!=", "<=", ">=", "<", ">"})
        if (is_punct(p)) {
          op = p;
          break;
        }
      if (op.empty() && peek().type == tok::ident && peek().text == "in")
        op = "in";
      if (op.empty())
        break;
      ++i;
      auto right = parse_add();
      if (!right)
        return nullptr;
      left = binary(op, left, right);
    }
    return left;
  }

  node_ptr parse_add() {
    auto left = parse_mul();
    while (left && (is_punct("+") || is_punct("-"))) {
      std::string op = peek().text;
      ++i;
      auto right = parse_mul();
      if (!right)
        return nullptr;
      left = binary(op, left, right);
    }
    return left;
  }

  node_ptr parse_mul() {
    auto left = parse_unary();
    while (left && (is_punct("*") || is_punct("/") || is_punct("%"))) {
      std::string op = peek().text;
      ++i;
      auto right = parse_unary();
      if (!right)
        return nullptr;
      left = binary(op, left, right);
    }
    return left;
  }

  node_ptr parse_unary() {
    depth_guard guard(depth);
    if (depth > 200)
      return fail("Syntax error: expression nested too deeply");
    if (is_punct("!") || is_punct("-")) {
      std::string op = peek().text;
      ++i;
      auto operand = parse_unary();
      if (!operand)
        return nullptr;
      auto n = make(node_kind::unary);
      n->name = op;
      n->args = {operand};
      return n;
    }
    return parse_member();
  }

  bool parse_args(std::vector<node_ptr>& args) {
    if (accept(")"))
      return true;
    while (true) {
      auto a = parse_expr();
      if (!a)
        return false;
      args.push_back(a);
      if (accept(")"))
        return true;
      if (!expect(","))
        return false;
    }
  }

  static bool is_macro(const std::string& name) {
    return name == "all" || name == "exists" || name == "exists_one" || name == "map"
           || name == "filter";
  }

  static bool is_member_function(const std::string& name) {
    static const char* names[] = {"size", "matches", "startsWith", "endsWith", "contains",
                                  "lowerAscii", "upperAscii", "trim"};
    for (const char* n : names)
      if (name == n)
        return true;
    return false;
  }

  node_ptr parse_macro(node_ptr target, const std::string& name, size_t name_pos) {
    // target.name(var, expr [, expr])
    if (peek().type != tok::ident)
      return fail("Syntax error: argument must be a simple name in " + name + "()");
    std::string var = peek().text;
    ++i;
    if (!expect(","))
      return nullptr;
    scope.push_back(var);
    std::vector<node_ptr> args{target};
    while (true) {
      auto a = parse_expr();
      if (!a) {
        scope.pop_back();
        return nullptr;
      }
      args.push_back(a);
      if (accept(")"))
        break;
      if (!expect(",")) {
        scope.pop_back();
        return nullptr;
      }
    }
    scope.pop_back();
    size_t want_max = name == "map" ? 3 : 2;
    if (args.size() < 2 || args.size() > want_max) {
      error = syntax_error{name_pos, "no matching overload for macro '" + name + "'"};
      return nullptr;
    }
    auto n = make(node_kind::macro);
    n->name = name;
    n->var = var;
    n->args = std::move(args);
    return n;
  }

  node_ptr parse_member() {
    auto operand = parse_primary();
    while (operand) {
      if (accept(".")) {
        if (peek().type != tok::ident)
          return fail("Syntax error: expected a field name after '.'");
        std::string name = peek().text;
        size_t name_pos = peek().pos;
        ++i;
        if (accept("(")) {
          if (is_macro(name)) {
            operand = parse_macro(operand, name, name_pos);
            continue;
          }
          if (!is_member_function(name)) {
            error = syntax_error{name_pos, "undeclared reference to '" + name + "'"};
            return nullptr;
          }
          auto n = make(node_kind::call);
          n->name = name;
          n->has_target = true;
          n->args.push_back(operand);
          if (!parse_args(n->args))
            return nullptr;
          operand = n;
        } else {
          auto n = make(node_kind::select);
          n->name = name;
          n->args = {operand};
          operand = n;
        }
      } else if (accept("[")) {
        auto idx = parse_expr();
        if (!idx || !expect("]"))
          return nullptr;
        auto n = make(node_kind::index);
        n->args = {operand, idx};
        operand = n;
      } else {
        break;
      }
    }
    return operand;
  }

  node_ptr parse_primary() {
    const token& t = peek();
    switch (t.type) {
      case tok::integer:
      case tok::number:
      case tok::string: {
        auto n = make(node_kind::literal);
        n->value = t.value;
        ++i;
        return n;
      }
      case tok::uinteger: {
        auto n = make(node_kind::literal);
        n->value = static_cast<uint64_t>(t.value.get<int64_t>());
        ++i;
        return n;
      }
      case tok::ident: {
        std::string name = t.text;
        size_t pos = t.pos;
        ++i;
        if (name == "true" || name == "false" || name == "null") {
          auto n = make(node_kind::literal);
          n->value = name == "null" ? json(nullptr) : json(name == "true");
          return n;
        }
        if (accept("(")) {
          if (name == "has") {
            auto arg = parse_expr();
            if (!arg || !expect(")"))
              return nullptr;
            if (arg->kind != node_kind::select) {
              error = syntax_error{pos, "invalid argument to has() macro"};
              return nullptr;
            }
            auto n = make(node_kind::macro);
            n->name = "has";
            n->args = {arg};
            return n;
          }
          static const char* globals[] = {"size", "int", "uint", "double", "string", "bool"};
          bool known = false;
          for (const char* g : globals)
            known = known || name == g;
          if (!known) {
            error = syntax_error{pos, "undeclared reference to '" + name + "'"};
            return nullptr;
          }
          auto n = make(node_kind::call);
          n->name = name;
          if (!parse_args(n->args))
            return nullptr;
          if (n->args.size() != 1) {
            error = syntax_error{pos, "found no matching overload for '" + name + "'"};
            return nullptr;
          }
          return n;
        }
        bool bound = std::find(scope.begin(), scope.end(), name) != scope.end();
        if (!bound && name != "self" && name != "oldSelf") {
          error = syntax_error{pos, "undeclared reference to '" + name + "'"};
          return nullptr;
        }
        if (!bound && name == "oldSelf")
          uses_old_self = true;
        auto n = make(node_kind::ident);
        n->name = name;
        return n;
      }
      case tok::punct: {
        if (accept("(")) {
          auto e = parse_expr();
          if (!e || !expect(")"))
            return nullptr;
          return e;
        }
        if (accept("[")) {
          auto n = make(node_kind::list);
          if (accept("]"))
            return n;
          while (true) {
            auto e = parse_expr();
            if (!e)
              return nullptr;
            n->args.push_back(e);
            if (accept("]"))
              return n;
            if (!expect(","))
              return nullptr;
          }
        }
        if (accept("{")) {
          auto n = make(node_kind::map);
          if (accept("}"))
            return n;
          while (true) {
            auto k = parse_expr();
            if (!k || !expect(":"))
              return nullptr;
            auto v = parse_expr();
            if (!v)
              return nullptr;
            n->args.push_back(k);
            n->args.push_back(v);
            if (accept("}"))
              return n;
            if (!expect(","))
              return nullptr;
          }
        }
        return fail("Syntax error: mismatched input '" + t.text + "'");
      }
      case tok::end:
        return fail("Syntax error: unexpected end of input");
    }
    return fail("Syntax error");
  }
};

// ---------------------------------------------------------------- evaluator
// expected<json> that also accepts anything json can be built from (bool, int64_t,
// std::string, ...), so evaluator branches can `return x < y;`.
struct result : expected<json> {
  using expected<json>::expected;
  result(expected<json> e) : expected<json>(std::move(e)) {}
  template <class T,
            std::enable_if_t<std::is_constructible_v<json, T>
                                 && !std::is_same_v<std::decay_t<T>, json>
                                 && !std::is_same_v<std::decay_t<T>, kelos::error>
                                 && !std::is_base_of_v<expected<json>, std::decay_t<T>>,
                             int> = 0>
  result(T&& v) : expected<json>(json(std::forward<T>(v))) {}
};

kelos::error eval_error(std::string message) {
  return make_error(errc::invalid_spec, std::move(message));
}

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null_type";
    case json::value_t::boolean: return "bool";
    case json::value_t::number_integer: return "int";
    case json::value_t::number_unsigned: return "int";
    case json::value_t::number_float: return "double";
    case json::value_t::string: return "string";
    case json::value_t::array: return "list";
    case json::value_t::object: return "map";
    default: return "unknown";
  }
}

kelos::error no_overload(const std::string& op, const json& a, const json* b = nullptr) {
  return eval_error("no matching overload for '" + op + "' applied to '(" + type_name(a)
                    + (b ? ", " + type_name(*b) : "") + ")'");
}

bool is_int(const json& v) {
  return v.is_number_integer();  // includes unsigned in nlohmann
}

int64_t as_int(const json& v) {
  return v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>()) : v.get<int64_t>();
}

size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80)
      ++n;
  return n;
}

const std::regex* cached_regex(const std::string& pattern, std::string& why) {
  thread_local std::map<std::string, std::regex> cache;
  auto it = cache.find(pattern);
  if (it != cache.end())
    return &it->second;
  try {
    auto [ins, ok] = cache.emplace(pattern, std::regex(pattern, std::regex::ECMAScript));
    (void)ok;
    return &ins->second;
  } catch (const std::regex_error& e) {
    why = std::string("invalid regex '") + pattern + "': " + e.what();
    return nullptr;
  }
}

struct evaluator {
  const json& self;
  const json* old_self;
  std::vector<std::pair<std::string, json>> vars;

  result eval(const cel_node& n) {
    switch (n.kind) {
      case node_kind::literal:
        return n.value;
      case node_kind::ident: {
        for (auto it = vars.rbegin(); it != vars.rend(); ++it)
          if (it->first == n.name)
            return it->second;
        if (n.name == "self")
          return self;
        if (n.name == "oldSelf") {
          if (!old_self)
            return eval_error("oldSelf is not available (no old value)");
          return *old_self;
        }
        return eval_error("undeclared reference to '" + n.name + "'");
      }
      case node_kind::select: {
        auto operand = eval(*n.args[0]);
        if (!operand)
          return operand;
        if (!operand->is_object())
          return eval_error("no such key: " + n.name);
        auto it = operand->find(n.name);
        if (it == operand->end())
          return eval_error("no such key: " + n.name);
        return *it;
      }
      case node_kind::index:
        return eval_index(n);
      case node_kind::call:
        return eval_call(n);
      case node_kind::macro:
        return eval_macro(n);
      case node_kind::unary: {
        auto v = eval(*n.args[0]);
        if (!v)
          return v;
        if (n.name == "!") {
          if (!v->is_boolean())
            return no_overload("!_", *v);
          return !v->get<bool>();
        }
        if (is_int(*v))
          return -as_int(*v);
        if (v->is_number_float())
          return -v->get<double>();
        return no_overload("-_", *v);
      }
      case node_kind::binary:
        return eval_binary(n);
      case node_kind::ternary: {
        auto c = eval(*n.args[0]);
        if (!c)
          return c;
        if (!c->is_boolean())
          return no_overload("_?_:_", *c);
        return eval(*n.args[c->get<bool>() ? 1 : 2]);
      }
      case node_kind::list: {
        json out = json::array();
        for (const auto& a : n.args) {
          auto v = eval(*a);
          if (!v)
            return v;
          out.push_back(std::move(*v));
        }
        return out;
      }
      case node_kind::map: {
        json out = json::object();
        for (size_t k = 0; k + 1 < n.args.size(); k += 2) {
          auto key = eval(*n.args[k]);
          if (!key)
            return key;
          if (!key->is_string())
            return eval_error("unsupported map key type: " + type_name(*key));
          auto v = eval(*n.args[k + 1]);
          if (!v)
            return v;
          out[key->get<std::string>()] = std::move(*v);
        }
        return out;
      }
    }
    return eval_error("internal error: unknown node");
  }

  result eval_index(const cel_node& n) {
    auto operand = eval(*n.args[0]);
    if (!operand)
      return operand;
    auto idx = eval(*n.args[1]);
    if (!idx)
      return idx;
    if (operand->is_array()) {
      if (!is_int(*idx))
        return no_overload("_[_]", *operand, &*idx);
      int64_t i = as_int(*idx);
      if (i < 0 || static_cast<size_t>(i) >= operand->size())
        return eval_error("index out of bounds: " + std::to_string(i));
      return (*operand)[static_cast<size_t>(i)];
    }
    if (operand->is_object()) {
      if (!idx->is_string())
        return no_overload("_[_]", *operand, &*idx);
      auto it = operand->find(idx->get<std::string>());
      if (it == operand->end())
        return eval_error("no such key: " + idx->get<std::string>());
      return *it;
    }
    return no_overload("_[_]", *operand, &*idx);
  }

  result eval_binary(const cel_node& n) {
    const std::string& op = n.name;
    if (op == "&&" || op == "||") {
      bool short_value = op == "||";  // the value that decides the result alone
      auto a = eval(*n.args[0]);
      if (a && a->is_boolean() && a->get<bool>() == short_value)
        return short_value;
      auto b = eval(*n.args[1]);
      if (b && b->is_boolean() && b->get<bool>() == short_value)
        return short_value;
      if (!a)
        return a;
      if (!b)
        return b;
      if (!a->is_boolean() || !b->is_boolean())
        return no_overload("_" + op + "_", *a, &*b);
      return !short_value;
    }
    auto a = eval(*n.args[0]);
    if (!a)
      return a;
    auto b = eval(*n.args[1]);
    if (!b)
      return b;
    if (op == "==")
      return equal(*a, *b);
    if (op == "!=")
      return !equal(*a, *b);
    if (op == "in") {
      if (b->is_array()) {
        for (const auto& item : *b)
          if (equal(item, *a))
            return true;
        return false;
      }
      if (b->is_object() && a->is_string())
        return b->contains(a->get<std::string>());
      return no_overload("@in", *a, &*b);
    }
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
      int cmp = 0;
      if (a->is_number() && b->is_number()) {
        if (is_int(*a) && is_int(*b)) {
          int64_t x = as_int(*a), y = as_int(*b);
          cmp = x < y ? -1 : (x > y ? 1 : 0);
        } else {
          double x = a->get<double>(), y = b->get<double>();
          cmp = x < y ? -1 : (x > y ? 1 : 0);
        }
      } else if (a->is_string() && b->is_string()) {
        cmp = a->get<std::string>().compare(b->get<std::string>());
      } else if (a->is_boolean() && b->is_boolean()) {
        cmp = static_cast<int>(a->get<bool>()) - static_cast<int>(b->get<bool>());
      } else {
        return no_overload("_" + op + "_", *a, &*b);
      }
      if (op == "<")
        return cmp < 0;
      if (op == "<=")
        return cmp <= 0;
      if (op == ">")
        return cmp > 0;
      return cmp >= 0;
    }
    // Arithmetic.
    if (op == "+") {
      if (a->is_string() && b->is_string())
        return a->get<std::string>() + b->get<std::string>();
      if (a->is_array() && b->is_array()) {
        json out = *a;
        for (const auto& v : *b)
          out.push_back(v);
        return out;
      }
    }
    if (is_int(*a) && is_int(*b)) {
      int64_t x = as_int(*a), y = as_int(*b);
      if (op == "+")
        return x + y;
      if (op == "-")
        return x - y;
      if (op == "*")
        return x * y;
      if (y == 0)
        return eval_error(op == "/" ? "division by zero" : "modulus by zero");
      return op == "/" ? x / y : x % y;
    }
    if (a->is_number_float() && b->is_number_float()) {
      double x = a->get<double>(), y = b->get<double>();
      if (op == "+")
        return x + y;
      if (op == "-")
        return x - y;
      if (op == "*")
        return x * y;
      if (op == "/")
        return x / y;
    }
    return no_overload("_" + op + "_", *a, &*b);
  }

  static bool equal(const json& a, const json& b) {
    // CEL has no cross-type equality except numbers; nlohmann compares numbers numerically.
    return a == b;
  }

  result eval_call(const cel_node& n) {
    std::vector<json> args;
    for (const auto& a : n.args) {
      auto v = eval(*a);
      if (!v)
        return v;
      args.push_back(std::move(*v));
    }
    const std::string& f = n.name;
    const json& x = args[0];
    if (f == "size") {
      if (x.is_string())
        return static_cast<int64_t>(utf8_length(x.get<std::string>()));
      if (x.is_array() || x.is_object())
        return static_cast<int64_t>(x.size());
      return no_overload("size", x);
    }
    if (f == "int") {
      if (is_int(x))
        return as_int(x);
      if (x.is_number_float())
        return static_cast<int64_t>(x.get<double>());
      if (x.is_string()) {
        int64_t v = 0;
        auto s = x.get<std::string>();
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc{} || p != s.data() + s.size())
          return eval_error("cannot convert '" + s + "' to int");
        return v;
      }
      return no_overload("int", x);
    }
    if (f == "uint") {
      if (is_int(x) && as_int(x) >= 0)
        return static_cast<uint64_t>(as_int(x));
      return no_overload("uint", x);
    }
    if (f == "double") {
      if (x.is_number())
        return x.get<double>();
      return no_overload("double", x);
    }
    if (f == "string") {
      if (x.is_string())
        return x;
      if (x.is_number() || x.is_boolean())
        return x.dump();
      return no_overload("string", x);
    }
    if (f == "bool") {
      if (x.is_boolean())
        return x;
      if (x == "true")
        return true;
      if (x == "false")
        return false;
      return no_overload("bool", x);
    }
    // String member functions.
    if (!x.is_string())
      return no_overload(f, x);
    std::string s = x.get<std::string>();
    if (f == "lowerAscii" || f == "upperAscii" || f == "trim") {
      if (args.size() != 1)
        return eval_error("found no matching overload for '" + f + "'");
      if (f == "trim") {
        size_t b = s.find_first_not_of(" \t\r\n");
        size_t e = s.find_last_not_of(" \t\r\n");
        return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
      }
      for (auto& c : s)
        c = static_cast<char>(f == "lowerAscii" ? std::tolower(static_cast<unsigned char>(c))
                                                : std::toupper(static_cast<unsigned char>(c)));
      return s;
    }
    if (args.size() != 2 || !args[1].is_string())
      return eval_error("found no matching overload for '" + f + "'");
    std::string t = args[1].get<std::string>();
    if (f == "startsWith")
      return s.compare(0, t.size(), t) == 0 && s.size() >= t.size();
    if (f == "endsWith")
      return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
    if (f == "contains")
      return s.find(t) != std::string::npos;
    if (f == "matches") {
      // std::regex recurses per character; long inputs would overflow the stack.
      constexpr size_t max_input = 4096;
      if (s.size() > max_input)
        return eval_error("matches(): input longer than " + std::to_string(max_input)
                          + " bytes is not supported");
      std::string why;
      const std::regex* re = cached_regex(t, why);
      if (!re)
        return eval_error(why);
      return std::regex_search(s, *re);
    }
    return eval_error("undeclared reference to '" + f + "'");
  }

  result eval_macro(const cel_node& n) {
    if (n.name == "has") {
      const cel_node& sel = *n.args[0];
      auto operand = eval(*sel.args[0]);
      if (!operand)
        return operand;
      if (operand->is_object())
        return operand->contains(sel.name);
      return eval_error("invalid type for field selection: " + type_name(*operand));
    }
    auto target = eval(*n.args[0]);
    if (!target)
      return target;
    std::vector<json> items;
    if (target->is_array()) {
      items.assign(target->begin(), target->end());
    } else if (target->is_object()) {
      for (auto it = target->begin(); it != target->end(); ++it)
        items.emplace_back(it.key());
    } else {
      return no_overload(n.name, *target);
    }
    const std::string& m = n.name;
    json out = json::array();
    int64_t count = 0;
    std::optional<kelos::error> first_error;
    for (auto& item : items) {
      vars.emplace_back(n.var, item);
      auto r = eval(*n.args[1]);
      std::optional<json> mapped;
      if (r && m == "map" && n.args.size() == 3 && r->is_boolean() && r->get<bool>()) {
        auto e = eval(*n.args[2]);
        if (!e) {
          vars.pop_back();
          return e;
        }
        mapped = std::move(*e);
      }
      vars.pop_back();
      if (!r) {
        if (m == "all" || m == "exists") {
          // Errors are absorbed when another element decides the result.
          if (!first_error)
            first_error = r.error();
          continue;
        }
        return r;
      }
      if (m == "map") {
        if (n.args.size() == 2)
          out.push_back(std::move(*r));
        else if (!r->is_boolean())
          return no_overload("map", *r);
        else if (mapped)
          out.push_back(std::move(*mapped));
        continue;
      }
      if (!r->is_boolean())
        return no_overload(m, *r);
      bool b = r->get<bool>();
      if (m == "all" && !b)
        return false;
      if (m == "exists" && b)
        return true;
      if (m == "exists_one" && b)
        ++count;
      if (m == "filter" && b)
        out.push_back(item);
    }
    if (m == "all" || m == "exists") {
      if (first_error)
        return *first_error;
      return m == "all";
    }
    if (m == "exists_one")
      return count == 1;
    return out;
  }
};

} // namespace

expected<cel_program> cel_compile(std::string_view expression) {
  auto where = [&](size_t pos) {
    size_t line = 1, col = 1;
    for (size_t k = 0; k < pos && k < expression.size(); ++k) {
      if (expression[k] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return "ERROR: <input>:" + std::to_string(line) + ":" + std::to_string(col) + ": ";
  };
  lexer lx;
  lx.src = expression;
  auto toks = lx.run();
  if (lx.error)
    return make_error(errc::invalid_spec,
                      "compilation failed: " + where(lx.error->pos) + lx.error->message);
  parser p;
  p.toks = std::move(toks);
  auto root = p.parse_expr();
  if (root && !p.error && p.peek().type != tok::end)
    p.fail("Syntax error: extraneous input '" + parser::token_text(p.peek()) + "'");
  if (p.error || !root)
    return make_error(errc::invalid_spec,
                      "compilation failed: " + where(p.error ? p.error->pos : 0)
                          + (p.error ? p.error->message : std::string("Syntax error")));
  cel_program program;
  program.root_ = std::move(root);
  program.source_ = std::string(expression);
  program.uses_old_self_ = p.uses_old_self;
  return program;
}

expected<json> cel_evaluate(const cel_program& program, const json& self, const json* old_self) {
  if (!program.root_)
    return make_error(errc::invalid_spec, "empty CEL program");
  try {
    evaluator ev{self, old_self, {}};
    return ev.eval(*program.root_);
  } catch (const std::exception& e) {
    // nlohmann conversions are guarded above; this is a last line of defence.
    return make_error(errc::invalid_spec, std::string("evaluation error: ") + e.what());
  }
}

} // namespace kelos::apiserver
