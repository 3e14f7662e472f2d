#include "sources/template/funcs.hpp"

#include "sources/template/format.hpp"
#include "sources/template/value.hpp"

#include <array>

namespace kelos::sources::tmpl {

namespace {

constexpr std::array<std::string_view, 18> builtins = {
  "and", "or", "not", "len", "index", "printf", "print", "println", "eq",
  "ne", "lt", "le", "gt", "ge", "html", "js", "urlquery", "slice"};

kelos::error fail(std::string msg) { return make_error(errc::invalid_spec, std::move(msg)); }

kelos::error wrong_args(std::string_view name, std::string_view want, std::size_t got) {
  return fail("wrong number of args for " + std::string{name} + ": want " + std::string{want}
              + " got " + std::to_string(got));
}

// Go's evalArgs for the escapers: one string is used as is, else fmt.Sprint.
std::string escaper_arg(const std::vector<const k8s::json*>& args) {
  if (args.size() == 1 && args[0]->is_string())
    return args[0]->get<std::string>();
  return go_sprint(args);
}

expected<std::int64_t> as_index(const k8s::json& v) {
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX))
      return fail("index out of range: " + std::to_string(u));
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer())
    return v.get<std::int64_t>();
  return fail("cannot index slice/array with type " + go_type_name(v));
}

expected<k8s::json> do_slice(const std::vector<const k8s::json*>& args) {
  if (args.empty())
    return wrong_args("slice", "at least 1", 0);
  const auto& item = *args[0];
  if (args.size() > 3)
    return fail("error calling slice: too many slice indexes: " + std::to_string(args.size() - 1));
  if (!item.is_array() && !item.is_string())
    return fail("error calling slice: can't slice item of type " + go_type_name(item));
  auto size = static_cast<std::int64_t>(item.is_array() ? item.size() : item.get_ref<const std::string&>().size());
  std::int64_t lo = 0, hi = size;
  if (args.size() > 1) {
    auto v = as_index(*args[1]);
    if (!v)
      return fail("error calling slice: " + v.error().message);
    lo = *v;
  }
  if (args.size() > 2) {
    auto v = as_index(*args[2]);
    if (!v)
      return fail("error calling slice: " + v.error().message);
    hi = *v;
  }
  if (lo < 0 || hi < lo || hi > size)
    return fail("error calling slice: index out of range");
  if (item.is_string())
    return k8s::json(item.get_ref<const std::string&>().substr(static_cast<std::size_t>(lo),
                                                               static_cast<std::size_t>(hi - lo)));
  auto out = k8s::json::array();
  for (auto i = lo; i < hi; ++i)
    out.push_back(item[static_cast<std::size_t>(i)]);
  return out;
}

expected<k8s::json> limited(std::string s, std::size_t limit, std::string_view name) {
  if (s.size() > limit)
    return fail(std::string{name} + " result exceeds " + std::to_string(limit) + " bytes");
  return k8s::json(std::move(s));
}

} // namespace

bool is_builtin(std::string_view name) {
  for (auto b : builtins)
    if (b == name)
      return true;
  return false;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\'': out += "&#39;"; break;
      case '"': out += "&#34;"; break;
      case '\0': out += "\xEF\xBF\xBD"; break;
      default: out += c;
    }
  }
  return out;
}

std::string js_escape(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\'': out += "\\'"; break;
      case '"': out += "\\\""; break;
      case '<': out += "\\u003C"; break;
      case '>': out += "\\u003E"; break;
      case '&': out += "\\u0026"; break;
      case '=': out += "\\u003D"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += ch; // non-ASCII runes are printable in practice; kept as is
        }
    }
  }
  return out;
}

std::string query_escape(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
        || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

expected<const k8s::json*> index_value(const std::vector<const k8s::json*>& args,
                                       k8s::json& scratch) {
  static const k8s::json null_value;
  if (args.empty())
    return wrong_args("index", "at least 1", 0);
  const k8s::json* item = args[0];
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto& key = *args[i];
    if (item->is_null())
      return fail("error calling index: index of untyped nil");
    if (item->is_array() || item->is_string()) {
      auto idx = as_index(key);
      if (!idx)
        return fail("error calling index: " + idx.error().message);
      auto size = item->is_array() ? item->size() : item->get_ref<const std::string&>().size();
      if (*idx < 0 || static_cast<std::size_t>(*idx) >= size)
        return fail("error calling index: index out of range: " + std::to_string(*idx));
      auto at = static_cast<std::size_t>(*idx);
      if (item->is_array()) {
        item = &(*item)[at];
      } else {
        scratch = static_cast<std::int64_t>(
          static_cast<unsigned char>(item->get_ref<const std::string&>()[at]));
        item = &scratch;
      }
    } else if (item->is_object()) {
      if (!key.is_string())
        return fail("error calling index: value has type " + go_type_name(key)
                    + "; should be string");
      auto it = item->find(key.get_ref<const std::string&>());
      // A missing key yields the zero value (null), as Go's index does for maps.
      item = it == item->end() ? &null_value : &*it;
    } else {
      return fail("error calling index: can't index item of type " + go_type_name(*item));
    }
  }
  return item;
}

expected<k8s::json> call_builtin(std::string_view name, const std::vector<const k8s::json*>& args,
                                 std::size_t limit) {
  if (name == "not") {
    if (args.size() != 1)
      return wrong_args(name, "1", args.size());
    return k8s::json(!truth(*args[0]));
  }
  if (name == "len") {
    if (args.size() != 1)
      return wrong_args(name, "1", args.size());
    const auto& v = *args[0];
    if (v.is_string())
      return k8s::json(static_cast<std::int64_t>(v.get_ref<const std::string&>().size()));
    if (v.is_array() || v.is_object())
      return k8s::json(static_cast<std::int64_t>(v.size()));
    return fail("error calling len: len of type " + go_type_name(v));
  }
  if (name == "index") {
    k8s::json scratch;
    auto r = index_value(args, scratch);
    if (!r)
      return std::move(r).error();
    return **r;
  }
  if (name == "slice")
    return do_slice(args);
  if (name == "printf") {
    if (args.empty())
      return wrong_args(name, "at least 1", 0);
    if (!args[0]->is_string())
      return fail("wrong type for value; expected string; got " + go_type_name(*args[0]));
    std::vector<const k8s::json*> rest(args.begin() + 1, args.end());
    auto s = go_sprintf(args[0]->get_ref<const std::string&>(), rest, limit);
    if (!s)
      return std::move(s).error();
    return k8s::json(std::move(*s));
  }
  if (name == "print")
    return limited(go_sprint(args), limit, name);
  if (name == "println")
    return limited(go_sprintln(args), limit, name);
  if (name == "html")
    return limited(html_escape(escaper_arg(args)), limit, name);
  if (name == "js")
    return limited(js_escape(escaper_arg(args)), limit, name);
  if (name == "urlquery")
    return limited(query_escape(escaper_arg(args)), limit, name);
  if (name == "eq") {
    if (args.size() < 2)
      return fail("missing argument for comparison");
    for (std::size_t i = 1; i < args.size(); ++i) {
      auto r = values_equal(*args[0], *args[i]);
      if (!r)
        return fail("error calling eq: " + r.error().message);
      if (*r)
        return k8s::json(true);
    }
    return k8s::json(false);
  }
  if (name == "ne" || name == "lt" || name == "le" || name == "gt" || name == "ge") {
    if (args.size() != 2)
      return wrong_args(name, "2", args.size());
    if (name == "ne") {
      auto r = values_equal(*args[0], *args[1]);
      if (!r)
        return fail("error calling ne: " + r.error().message);
      return k8s::json(!*r);
    }
    auto r = values_compare(*args[0], *args[1]);
    if (!r)
      return fail("error calling " + std::string{name} + ": " + r.error().message);
    bool v = name == "lt" ? *r < 0 : name == "le" ? *r <= 0 : name == "gt" ? *r > 0 : *r >= 0;
    return k8s::json(v);
  }
  return fail("function \"" + std::string{name} + "\" not defined");
}

} // namespace kelos::sources::tmpl
