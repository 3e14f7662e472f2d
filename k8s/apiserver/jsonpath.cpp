#include "k8s/apiserver/jsonpath.hpp"

#include <cctype>
#include <cstdlib>
#include <memory>
#include <optional>

namespace kelos::apiserver {

namespace {

using k8s::json;

enum class step_kind { field, wildcard, index, filter };
enum class cmp_op { exists, eq, ne, lt, le, gt, ge };

struct step;
using path = std::vector<step>;

struct filter_expr {
  path lhs;  // relative to @
  cmp_op op = cmp_op::exists;
  json literal;
};

struct step {
  step_kind kind = step_kind::field;
  std::string name;
  long index = 0;
  std::shared_ptr<filter_expr> filter;
};

kelos::error bad(std::string_view expr, std::string_view why) {
  return make_error(errc::invalid_spec,
                    "invalid JSONPath \"" + std::string{expr} + "\": " + std::string{why});
}

bool is_ident_char(char c) {
  return c != '.' && c != '[' && c != ']' && c != ' ' && c != '\t' && c != '=' && c != '!'
         && c != '<' && c != '>' && c != ')' && c != '(' && c != '{' && c != '}' && c != '\''
         && c != '"';
}

// Recursive-descent parser over one expression. `stop_at_operator` is set inside a
// filter, where the relative path ends at a comparison operator or ')'.
class parser {
public:
  parser(std::string_view full, std::string_view text) : full_(full), s_(text) {}

  expected<path> parse_path(bool relative) {
    path out;
    skip_ws();
    if (!relative && pos_ < s_.size() && s_[pos_] == '$')
      ++pos_;
    // A leading bare identifier ("a.b") is accepted, as kubectl does for printer columns.
    if (pos_ < s_.size() && is_ident_char(s_[pos_]) && s_[pos_] != '@') {
      auto name = ident();
      out.push_back(step{step_kind::field, std::move(name), 0, nullptr});
    }
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '.') {
        ++pos_;
        if (pos_ >= s_.size())
          break;  // a lone trailing "." (or the whole expression ".") selects the current node
        if (s_[pos_] == '.')
          return bad(full_, "recursive descent '..' is not supported");
        if (s_[pos_] == '*') {
          ++pos_;
          out.push_back(step{step_kind::wildcard, {}, 0, nullptr});
          continue;
        }
        if (s_[pos_] == '[')
          continue;
        if (!is_ident_char(s_[pos_]))
          return bad(full_, "expected a field name after '.'");
        out.push_back(step{step_kind::field, ident(), 0, nullptr});
      } else if (c == '[') {
        auto st = bracket();
        if (!st)
          return st.error();
        out.push_back(std::move(*st));
      } else if (relative) {
        break;  // operator or ')' ends a filter's relative path
      } else if (c == ' ' || c == '\t') {
        skip_ws();
        if (pos_ < s_.size())
          return bad(full_, "unexpected text after the expression");
      } else {
        return bad(full_, std::string{"unexpected character '"} + c + "'");
      }
    }
    return out;
  }

  std::size_t pos() const { return pos_; }

private:
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t'))
      ++pos_;
  }

  std::string ident() {
    std::size_t start = pos_;
    while (pos_ < s_.size() && is_ident_char(s_[pos_]))
      ++pos_;
    return std::string{s_.substr(start, pos_ - start)};
  }

  std::optional<std::string> quoted() {
    char q = s_[pos_];
    std::string out;
    ++pos_;
    while (pos_ < s_.size() && s_[pos_] != q) {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size())
        ++pos_;
      out += s_[pos_++];
    }
    if (pos_ >= s_.size())
      return std::nullopt;
    ++pos_;
    return out;
  }

  expected<step> bracket() {
    ++pos_;  // '['
    skip_ws();
    if (pos_ >= s_.size())
      return bad(full_, "unterminated '['");
    step st;
    char c = s_[pos_];
    if (c == '\'' || c == '"') {
      auto key = quoted();
      if (!key)
        return bad(full_, "unterminated quoted key");
      st.kind = step_kind::field;
      st.name = std::move(*key);
    } else if (c == '*') {
      ++pos_;
      st.kind = step_kind::wildcard;
    } else if (c == '?') {
      ++pos_;
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '(')
        return bad(full_, "expected '(' after '?'");
      ++pos_;
      auto f = filter();
      if (!f)
        return f.error();
      st.kind = step_kind::filter;
      st.filter = std::make_shared<filter_expr>(std::move(*f));
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ')')
        return bad(full_, "expected ')' to close the filter");
      ++pos_;
    } else if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t start = pos_;
      if (c == '-')
        ++pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_])))
        ++pos_;
      std::string digits{s_.substr(start, pos_ - start)};
      if (digits == "-")
        return bad(full_, "expected an index");
      st.kind = step_kind::index;
      st.index = std::strtol(digits.c_str(), nullptr, 10);
    } else {
      return bad(full_, "unsupported subscript");
    }
    skip_ws();
    if (pos_ >= s_.size() || s_[pos_] != ']')
      return bad(full_, "expected ']' (unions and slices are not supported)");
    ++pos_;
    return st;
  }

  expected<filter_expr> filter() {
    skip_ws();
    if (pos_ >= s_.size() || s_[pos_] != '@')
      return bad(full_, "a filter must start with '@'");
    ++pos_;
    filter_expr f;
    auto lhs = parse_path(true);
    if (!lhs)
      return lhs.error();
    f.lhs = std::move(*lhs);
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ')')
      return f;  // existence test
    static const std::pair<const char*, cmp_op> ops[] = {
      {"==", cmp_op::eq}, {"!=", cmp_op::ne}, {"<=", cmp_op::le},
      {">=", cmp_op::ge}, {"<", cmp_op::lt},  {">", cmp_op::gt},
    };
    bool found = false;
    for (auto& [text, op] : ops) {
      std::string_view t{text};
      if (s_.substr(pos_, t.size()) == t) {
        f.op = op;
        pos_ += t.size();
        found = true;
        break;
      }
    }
    if (!found)
      return bad(full_, "expected a comparison operator in the filter");
    skip_ws();
    if (pos_ >= s_.size())
      return bad(full_, "expected a literal in the filter");
    char c = s_[pos_];
    if (c == '\'' || c == '"') {
      auto v = quoted();
      if (!v)
        return bad(full_, "unterminated string in the filter");
      f.literal = *v;
    } else {
      std::size_t start = pos_;
      while (pos_ < s_.size() && s_[pos_] != ')' && s_[pos_] != ' ')
        ++pos_;
      std::string word{s_.substr(start, pos_ - start)};
      if (word == "true")
        f.literal = true;
      else if (word == "false")
        f.literal = false;
      else if (word == "null")
        f.literal = nullptr;
      else {
        char* end = nullptr;
        double d = std::strtod(word.c_str(), &end);
        if (word.empty() || end != word.c_str() + word.size())
          return bad(full_, "unsupported literal '" + word + "' in the filter");
        f.literal = d;
      }
    }
    return f;
  }

  std::string_view full_;
  std::string_view s_;
  std::size_t pos_ = 0;
};

expected<path> compile(std::string_view expr) {
  std::string_view s = expr;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '{' && s.back() == '}')
    s = s.substr(1, s.size() - 2);
  if (s.empty())
    return bad(expr, "empty expression");
  parser p{expr, s};
  return p.parse_path(false);
}

void eval(const path& p, std::size_t at, const json& node, std::vector<const json*>& out);

bool compare(const json& v, cmp_op op, const json& lit) {
  if (op == cmp_op::eq || op == cmp_op::ne) {
    bool equal;
    if (v.is_number() && lit.is_number())
      equal = v.get<double>() == lit.get<double>();
    else
      equal = v == lit;
    return op == cmp_op::eq ? equal : !equal;
  }
  int c;
  if (v.is_number() && lit.is_number()) {
    double a = v.get<double>(), b = lit.get<double>();
    c = a < b ? -1 : (a > b ? 1 : 0);
  } else if (v.is_string() && lit.is_string()) {
    c = v.get_ref<const std::string&>().compare(lit.get_ref<const std::string&>());
  } else {
    return false;
  }
  switch (op) {
  case cmp_op::lt: return c < 0;
  case cmp_op::le: return c <= 0;
  case cmp_op::gt: return c > 0;
  case cmp_op::ge: return c >= 0;
  default: return false;
  }
}

bool filter_matches(const filter_expr& f, const json& element) {
  std::vector<const json*> found;
  eval(f.lhs, 0, element, found);
  if (f.op == cmp_op::exists)
    return !found.empty();
  for (auto* v : found)
    if (compare(*v, f.op, f.literal))
      return true;
  return false;
}

void eval(const path& p, std::size_t at, const json& node, std::vector<const json*>& out) {
  if (at == p.size()) {
    out.push_back(&node);
    return;
  }
  const step& st = p[at];
  switch (st.kind) {
  case step_kind::field:
    if (node.is_object()) {
      if (auto it = node.find(st.name); it != node.end())
        eval(p, at + 1, *it, out);
    }
    break;
  case step_kind::wildcard:
    if (node.is_object() || node.is_array())
      for (auto& child : node)
        eval(p, at + 1, child, out);
    break;
  case step_kind::index:
    if (node.is_array()) {
      long n = static_cast<long>(node.size());
      long i = st.index < 0 ? n + st.index : st.index;
      if (i >= 0 && i < n)
        eval(p, at + 1, node[static_cast<std::size_t>(i)], out);
    }
    break;
  case step_kind::filter:
    if (node.is_array()) {
      for (auto& child : node)
        if (filter_matches(*st.filter, child))
          eval(p, at + 1, child, out);
    }
    break;
  }
}

} // namespace

expected<std::vector<k8s::json>> jsonpath_eval(const k8s::json& doc, std::string_view expr) {
  auto p = compile(expr);
  if (!p)
    return p.error();
  std::vector<const json*> found;
  eval(*p, 0, doc, found);
  std::vector<json> out;
  out.reserve(found.size());
  for (auto* v : found)
    out.push_back(*v);
  return out;
}

expected<void> jsonpath_validate(std::string_view expr) {
  auto p = compile(expr);
  if (!p)
    return p.error();
  return {};
}

std::string jsonpath_render(const k8s::json& value) {
  if (value.is_string())
    return value.get<std::string>();
  if (value.is_null())
    return {};
  return value.dump();
}

} // namespace kelos::apiserver
