#include "sources/template/format.hpp"
#include "sources/template/utf8.hpp"

#include "sources/template/value.hpp"

#include <cmath>
#include <cstdio>

namespace kelos::sources::tmpl {

namespace {

constexpr std::size_t too_large = 1'000'000; // Go's fmt limit for width and precision.

// Length of the UTF-8 sequence starting at s[i], or 0 when it is invalid.
std::size_t utf8_len(std::string_view s, std::size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size())
    return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
      return 0;
  return n;
}

std::size_t rune_count(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    auto l = utf8_len(s, i);
    i += l == 0 ? 1 : l;
    ++n;
  }
  return n;
}

struct spec {
  bool plus = false, minus = false, sharp = false, zero = false, space = false;
  std::size_t width = 0;
  bool has_width = false;
  std::size_t prec = 0;
  bool has_prec = false;
  char verb = 'v';
};

void pad(std::string& out, std::string body, const spec& sp, bool numeric) {
  auto n = rune_count(body);
  if (!sp.has_width || n >= sp.width) {
    out += body;
    return;
  }
  auto fill = sp.width - n;
  if (sp.minus) {
    out += body;
    out.append(fill, ' ');
  } else if (sp.zero) {
    std::size_t sign = numeric && !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ') ? 1 : 0;
    out.append(body, 0, sign);
    out.append(fill, '0');
    out.append(body, sign);
  } else {
    out.append(fill, ' ');
    out += body;
  }
}

std::string to_base(std::uint64_t v, int base, bool upper) {
  if (v == 0)
    return "0";
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  while (v > 0) {
    s.insert(s.begin(), digits[v % static_cast<unsigned>(base)]);
    v /= static_cast<unsigned>(base);
  }
  return s;
}

void bad_verb(std::string& out, char verb, const k8s::json& v) {
  out += "%!";
  out += verb;
  out += '(';
  if (v.is_null()) {
    out += "<nil>";
  } else {
    out += go_type_name(v);
    out += '=';
    append_value(out, v);
  }
  out += ')';
}

std::string format_integer(const k8s::json& v, const spec& sp) {
  bool neg = false;
  std::uint64_t mag = 0;
  if (v.is_number_unsigned()) {
    mag = v.get<std::uint64_t>();
  } else {
    auto i = v.get<std::int64_t>();
    neg = i < 0;
    mag = neg ? static_cast<std::uint64_t>(-(i + 1)) + 1 : static_cast<std::uint64_t>(i);
  }
  std::string digits;
  std::string prefix;
  switch (sp.verb) {
    case 'x': digits = to_base(mag, 16, false); prefix = sp.sharp ? "0x" : ""; break;
    case 'X': digits = to_base(mag, 16, true); prefix = sp.sharp ? "0X" : ""; break;
    case 'o': digits = to_base(mag, 8, false); prefix = sp.sharp ? "0" : ""; break;
    case 'b': digits = to_base(mag, 2, false); break;
    default: digits = to_base(mag, 10, false); break;
  }
  if (sp.has_prec && digits.size() < sp.prec)
    digits.insert(0, sp.prec - digits.size(), '0');
  std::string sign = neg ? "-" : sp.plus ? "+" : sp.space ? " " : "";
  return sign + prefix + digits;
}

std::string format_float(double d, const spec& sp) {
  char verb = sp.verb == 'v' ? 'g' : sp.verb;
  std::string body;
  if (std::isnan(d) || std::isinf(d))
    return std::isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf";
  if ((verb == 'g' || verb == 'G') && !sp.has_prec) {
    body = format_float_v(d);
    if (verb == 'G')
      for (auto& c : body)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  } else {
    int prec = sp.has_prec ? static_cast<int>(sp.prec) : 6;
    char fmtbuf[8] = {'%', '.', '*', verb == 'F' ? 'f' : verb, 0};
    auto n = std::snprintf(nullptr, 0, fmtbuf, prec, d);
    body.resize(static_cast<std::size_t>(n) + 1);
    std::snprintf(body.data(), body.size(), fmtbuf, prec, d);
    body.resize(static_cast<std::size_t>(n));
  }
  if (body[0] != '-' && sp.plus)
    body.insert(0, "+");
  else if (body[0] != '-' && sp.space)
    body.insert(0, " ");
  return body;
}

void format_one(std::string& out, const spec& sp, const k8s::json& v);

void format_collection(std::string& out, const spec& sp, const k8s::json& v) {
  spec inner = sp;
  if (v.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& e : v) {
      if (!first)
        out += ' ';
      first = false;
      format_one(out, inner, e);
    }
    out += ']';
    return;
  }
  out += "map[";
  bool first = true;
  for (const auto& [k, e] : v.items()) {
    if (!first)
      out += ' ';
    first = false;
    format_one(out, inner, k8s::json(k));
    out += ':';
    format_one(out, inner, e);
  }
  out += ']';
}

void format_one(std::string& out, const spec& sp, const k8s::json& v) {
  if (v.is_structured()) {
    format_collection(out, sp, v);
    return;
  }
  switch (sp.verb) {
    case 'v':
      if (v.is_number_float())
        return pad(out, format_float(v.get<double>(), sp), sp, true);
      if (v.is_number_integer())
        return pad(out, format_integer(v, sp), sp, true);
      if (v.is_null())
        return pad(out, "<nil>", sp, false);
      {
        std::string s;
        append_value(s, v);
        return pad(out, std::move(s), sp, false);
      }
    case 's':
      if (v.is_string()) {
        auto s = v.get<std::string>();
        if (sp.has_prec) {
          std::size_t i = 0, runes = 0;
          while (i < s.size() && runes < sp.prec) {
            auto l = utf8_len(s, i);
            i += l == 0 ? 1 : l;
            ++runes;
          }
          s.resize(i);
        }
        return pad(out, std::move(s), sp, false);
      }
      break;
    case 'q':
      if (v.is_string())
        return pad(out, go_quote(v.get_ref<const std::string&>()), sp, false);
      if (v.is_number_integer()) {
        std::string c;
        auto cp = v.is_number_unsigned() ? v.get<std::uint64_t>()
                                         : static_cast<std::uint64_t>(v.get<std::int64_t>());
        append_utf8(c, cp > 0x10FFFF ? 0xFFFD : static_cast<std::uint32_t>(cp));
        auto q = go_quote(c);
        q.front() = '\'';
        q.back() = '\'';
        return pad(out, std::move(q), sp, false);
      }
      break;
    case 'd':
    case 'o':
    case 'b':
      if (v.is_number_integer())
        return pad(out, format_integer(v, sp), sp, true);
      break;
    case 'x':
    case 'X':
      if (v.is_number_integer())
        return pad(out, format_integer(v, sp), sp, true);
      if (v.is_string()) {
        std::string h;
        for (unsigned char c : v.get_ref<const std::string&>()) {
          auto d = to_base(c, 16, sp.verb == 'X');
          if (d.size() < 2)
            h += '0';
          h += d;
        }
        return pad(out, std::move(h), sp, false);
      }
      break;
    case 'c':
      if (v.is_number_integer()) {
        std::string c;
        auto cp = v.is_number_unsigned() ? v.get<std::uint64_t>()
                                         : static_cast<std::uint64_t>(v.get<std::int64_t>());
        append_utf8(c, cp > 0x10FFFF ? 0xFFFD : static_cast<std::uint32_t>(cp));
        return pad(out, std::move(c), sp, false);
      }
      break;
    case 't':
      if (v.is_boolean())
        return pad(out, v.get<bool>() ? "true" : "false", sp, false);
      break;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      if (v.is_number_float())
        return pad(out, format_float(v.get<double>(), sp), sp, true);
      break;
    default:
      break;
  }
  bad_verb(out, sp.verb, v);
}

// Reads a decimal number for width or precision; `ok` is false past the Go limit.
std::size_t read_num(std::string_view f, std::size_t& i, bool& ok) {
  std::size_t n = 0;
  ok = true;
  while (i < f.size() && f[i] >= '0' && f[i] <= '9') {
    n = n * 10 + static_cast<std::size_t>(f[i] - '0');
    if (n > too_large)
      ok = false;
    if (n > too_large * 10)
      n = too_large * 10; // saturate; the digits keep being consumed
    ++i;
  }
  return n;
}

} // namespace

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    auto l = utf8_len(s, i);
    if (l == 0) {
      out += "\\x";
      out += "0123456789abcdef"[c >> 4];
      out += "0123456789abcdef"[c & 0xF];
      ++i;
      continue;
    }
    if (l > 1) {
      out.append(s, i, l);
      i += l;
      continue;
    }
    ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\x";
          out += "0123456789abcdef"[c >> 4];
          out += "0123456789abcdef"[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

expected<std::string> go_sprintf(std::string_view f, const std::vector<const k8s::json*>& args,
                                 std::size_t limit) {
  std::string out;
  std::size_t argi = 0;
  for (std::size_t i = 0; i < f.size();) {
    if (out.size() > limit)
      return make_error(errc::invalid_spec,
                        "printf output exceeds " + std::to_string(limit) + " bytes");
    if (f[i] != '%') {
      auto next = f.find('%', i);
      auto stop = next == std::string_view::npos ? f.size() : next;
      out.append(f, i, stop - i);
      i = stop;
      continue;
    }
    ++i;
    spec sp;
    for (; i < f.size(); ++i) {
      char c = f[i];
      if (c == '+')
        sp.plus = true;
      else if (c == '-')
        sp.minus = true;
      else if (c == '#')
        sp.sharp = true;
      else if (c == '0')
        sp.zero = true;
      else if (c == ' ')
        sp.space = true;
      else
        break;
    }
    bool ok = true;
    if (i < f.size() && f[i] == '*') {
      ++i;
      if (argi < args.size() && args[argi]->is_number_integer()) {
        auto w = args[argi++]->get<std::int64_t>();
        auto limit_w = static_cast<std::int64_t>(too_large);
        ok = w >= -limit_w && w <= limit_w;
        if (ok && w < 0) {
          sp.minus = true;
          w = -w;
        }
        sp.width = ok ? static_cast<std::size_t>(w) : 0;
        sp.has_width = ok;
      } else {
        ++argi;
        ok = false;
      }
      if (!ok) {
        out += "%!(BADWIDTH)";
        sp.has_width = false;
      }
    } else if (i < f.size() && f[i] >= '1' && f[i] <= '9') {
      sp.width = read_num(f, i, ok);
      sp.has_width = ok;
      if (!ok)
        out += "%!(BADWIDTH)";
    }
    if (i < f.size() && f[i] == '.') {
      ++i;
      sp.has_prec = true;
      if (i < f.size() && f[i] == '*') {
        ++i;
        if (argi < args.size() && args[argi]->is_number_integer()
            && args[argi]->get<std::int64_t>() >= 0
            && args[argi]->get<std::int64_t>() <= static_cast<std::int64_t>(too_large)) {
          sp.prec = static_cast<std::size_t>(args[argi++]->get<std::int64_t>());
        } else {
          ++argi;
          sp.has_prec = false;
          out += "%!(BADPREC)";
        }
      } else {
        sp.prec = read_num(f, i, ok);
        if (!ok) {
          sp.has_prec = false;
          out += "%!(BADPREC)";
        }
      }
    }
    if (i >= f.size()) {
      out += "%!(NOVERB)";
      break;
    }
    sp.verb = f[i++];
    if (sp.verb == '%') {
      out += '%';
      continue;
    }
    if (argi >= args.size()) {
      out += "%!";
      out += sp.verb;
      out += "(MISSING)";
      continue;
    }
    if (sp.minus)
      sp.zero = false;
    format_one(out, sp, *args[argi++]);
  }
  if (argi < args.size()) {
    out += "%!(EXTRA ";
    for (std::size_t k = argi; k < args.size(); ++k) {
      if (k > argi)
        out += ", ";
      if (args[k]->is_null()) {
        out += "<nil>";
      } else {
        out += go_type_name(*args[k]);
        out += '=';
        append_value(out, *args[k]);
      }
    }
    out += ')';
  }
  if (out.size() > limit)
    return make_error(errc::invalid_spec, "printf output exceeds " + std::to_string(limit) + " bytes");
  return out;
}

std::string go_sprint(const std::vector<const k8s::json*>& args) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0 && !args[i]->is_string() && !args[i - 1]->is_string())
      out += ' ';
    append_value(out, *args[i]);
  }
  return out;
}

std::string go_sprintln(const std::vector<const k8s::json*>& args) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0)
      out += ' ';
    append_value(out, *args[i]);
  }
  out += '\n';
  return out;
}

} // namespace kelos::sources::tmpl
