#include "runtime/log_format.hpp"

#include <cstdio>
#include <ctime>

namespace kelos::logfmt {
namespace {

constexpr char record_sep = '\x1e';
constexpr char unit_sep = '\x1f';

/// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid
/// (overlong forms, surrogates and code points above U+10FFFF are invalid, RFC 3629).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](std::size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(i);
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2))
      return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0)
      return 0; // overlong
    if (c == 0xED && b(i + 1) >= 0xA0)
      return 0; // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3))
      return 0;
    if (c == 0xF0 && b(i + 1) < 0x90)
      return 0; // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90)
      return 0; // above U+10FFFF
    return 4;
  }
  return 0;
}

std::string sanitize_field(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    if (c == record_sep || c == unit_sep)
      c = '?';
  return out;
}

} // namespace

std::optional<format> parse_format(std::string_view s) {
  if (s == "text")
    return format::text;
  if (s == "json")
    return format::json;
  return std::nullopt;
}

std::string rfc3339_ms(std::chrono::system_clock::time_point ts) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(ts.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms / 1000);
  auto frac = static_cast<int>(ms % 1000);
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

void append_json_string(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      auto n = utf8_sequence(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

std::string escape_text(std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      out += ch;
      continue;
    }
    switch (c) {
      case '\t': out += '\t'; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default:
        out += "\\x";
        out += hex[c >> 4];
        out += hex[c & 0xF];
    }
  }
  return out;
}

std::string render_text(const record& r, std::size_t* level_begin, std::size_t* level_end) {
  std::string out;
  out.reserve(r.msg.size() + r.actor.size() + r.object.size() + 48);
  out += '[';
  out += rfc3339_ms(r.ts);
  out += "] [";
  if (level_begin)
    *level_begin = out.size();
  out += r.level;
  if (level_end)
    *level_end = out.size();
  out += "] ";
  out += escape_text(with_prefix(r.actor, r.object, r.msg));
  return out;
}

std::string render_json(const record& r) {
  std::string out;
  out.reserve(r.msg.size() + r.actor.size() + r.object.size() + 96);
  out += "{\"ts\":\"";
  out += rfc3339_ms(r.ts);
  out += "\",\"level\":";
  append_json_string(out, r.level);
  if (!r.logger.empty()) {
    out += ",\"logger\":";
    append_json_string(out, r.logger);
  }
  if (!r.actor.empty()) {
    out += ",\"actor\":";
    append_json_string(out, r.actor);
  }
  if (!r.object.empty()) {
    out += ",\"object\":";
    append_json_string(out, r.object);
  }
  out += ",\"msg\":";
  append_json_string(out, r.msg);
  out += '}';
  return out;
}

std::string encode_context(std::string_view actor, std::string_view object, std::string_view msg) {
  std::string out;
  out.reserve(actor.size() + object.size() + msg.size() + 3);
  out += record_sep;
  out += sanitize_field(actor);
  out += unit_sep;
  out += sanitize_field(object);
  out += unit_sep;
  out += msg;
  return out;
}

context_parts decode_context(std::string_view payload) {
  if (payload.empty() || payload.front() != record_sep)
    return {{}, {}, payload};
  auto a = payload.find(unit_sep, 1);
  if (a == std::string_view::npos)
    return {{}, {}, payload.substr(1)};
  auto o = payload.find(unit_sep, a + 1);
  if (o == std::string_view::npos)
    return {payload.substr(1, a - 1), {}, payload.substr(a + 1)};
  return {payload.substr(1, a - 1), payload.substr(a + 1, o - a - 1), payload.substr(o + 1)};
}

std::string with_prefix(std::string_view actor, std::string_view object, std::string_view msg) {
  std::string out;
  out.reserve(actor.size() + object.size() + msg.size() + 3);
  out += actor;
  if (!object.empty()) {
    if (!out.empty())
      out += ' ';
    out += object;
  }
  if (!out.empty())
    out += ": ";
  out += msg;
  return out;
}

} // namespace kelos::logfmt
