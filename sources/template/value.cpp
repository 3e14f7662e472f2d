#include "sources/template/value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace kelos::sources::tmpl {

bool truth(const k8s::json& v) {
  switch (v.type()) {
    case k8s::json::value_t::null: return false;
    case k8s::json::value_t::boolean: return v.get<bool>();
    case k8s::json::value_t::number_integer: return v.get<std::int64_t>() != 0;
    case k8s::json::value_t::number_unsigned: return v.get<std::uint64_t>() != 0;
    case k8s::json::value_t::number_float: return v.get<double>() != 0.0;
    case k8s::json::value_t::string: return !v.get_ref<const std::string&>().empty();
    case k8s::json::value_t::array:
    case k8s::json::value_t::object: return !v.empty();
    default: return false;
  }
}

std::string go_type_name(const k8s::json& v) {
  switch (v.type()) {
    case k8s::json::value_t::null: return "<nil>";
    case k8s::json::value_t::boolean: return "bool";
    case k8s::json::value_t::number_integer:
    case k8s::json::value_t::number_unsigned: return "int";
    case k8s::json::value_t::number_float: return "float64";
    case k8s::json::value_t::string: return "string";
    case k8s::json::value_t::array: return "[]interface {}";
    case k8s::json::value_t::object: return "map[string]interface {}";
    default: return "binary";
  }
}

std::string format_float_v(double d) {
  if (std::isnan(d))
    return "NaN";
  if (std::isinf(d))
    return d > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip digits in scientific form, then Go's %g layout decision
  // (strconv 'g' with shortest precision switches to the exponent form at 1e+06).
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci{buf, r.ptr};
  auto e = sci.find('e');
  int exp = std::atoi(sci.c_str() + e + 1);
  if (exp < -4 || exp >= 6) {
    // to_chars gives "1.5e+06"; Go also uses at least two exponent digits.
    return sci;
  }
  r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  return std::string{buf, r.ptr};
}

void append_value(std::string& out, const k8s::json& v) {
  switch (v.type()) {
    case k8s::json::value_t::null: out += "<nil>"; return;
    case k8s::json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; return;
    case k8s::json::value_t::number_integer: out += std::to_string(v.get<std::int64_t>()); return;
    case k8s::json::value_t::number_unsigned: out += std::to_string(v.get<std::uint64_t>()); return;
    case k8s::json::value_t::number_float: out += format_float_v(v.get<double>()); return;
    case k8s::json::value_t::string: out += v.get_ref<const std::string&>(); return;
    case k8s::json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first)
          out += ' ';
        first = false;
        append_value(out, e);
      }
      out += ']';
      return;
    }
    case k8s::json::value_t::object: {
      out += "map[";
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first)
          out += ' ';
        first = false;
        out += k;
        out += ':';
        append_value(out, e);
      }
      out += ']';
      return;
    }
    default: out += "<binary>"; return;
  }
}

void append_action_value(std::string& out, const k8s::json& v) {
  if (!v.is_null())
    append_value(out, v);
}

namespace {

// Compares two numbers exactly where both are integers, else as doubles.
int compare_numbers(const k8s::json& a, const k8s::json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    bool au = a.is_number_unsigned();
    bool bu = b.is_number_unsigned();
    if (au && bu) {
      auto x = a.get<std::uint64_t>(), y = b.get<std::uint64_t>();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (!au && !bu) {
      auto x = a.get<std::int64_t>(), y = b.get<std::int64_t>();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (au) { // a unsigned, b signed
      auto y = b.get<std::int64_t>();
      if (y < 0)
        return 1;
      auto x = a.get<std::uint64_t>();
      auto yu = static_cast<std::uint64_t>(y);
      return x < yu ? -1 : x > yu ? 1 : 0;
    }
    return -compare_numbers(b, a);
  }
  auto x = a.get<double>(), y = b.get<double>();
  return x < y ? -1 : x > y ? 1 : 0;
}

} // namespace

expected<bool> values_equal(const k8s::json& a, const k8s::json& b) {
  if (a.is_structured() || b.is_structured())
    return make_error(errc::invalid_spec, "non-comparable type " + go_type_name(a.is_structured() ? a : b));
  if (a.is_null() || b.is_null())
    return a.is_null() && b.is_null();
  if (a.is_number() && b.is_number())
    return compare_numbers(a, b) == 0;
  if (a.type() != b.type())
    return make_error(errc::invalid_spec, "incompatible types for comparison");
  return a == b;
}

expected<int> values_compare(const k8s::json& a, const k8s::json& b) {
  if (a.is_number() && b.is_number())
    return compare_numbers(a, b);
  if (a.is_string() && b.is_string()) {
    int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if ((a.is_number() || a.is_string()) && (b.is_number() || b.is_string()))
    return make_error(errc::invalid_spec, "incompatible types for comparison");
  return make_error(errc::invalid_spec, "invalid type for comparison");
}

} // namespace kelos::sources::tmpl
