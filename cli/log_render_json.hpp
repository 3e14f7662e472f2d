#pragma once

/// JSON field access shared by the log renderers (internal to cli/log_render_*.cpp).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace kelos::cli::render_detail {

using json = nlohmann::json;

/// Parses one log line; a discarded value when it is not a JSON object.
inline json parse_event(std::string_view line) {
  auto j = json::parse(line, nullptr, false);
  if (!j.is_object())
    return json(json::value_t::discarded);
  return j;
}

/// The string at `key`, or "" when absent or not a string.
inline std::string str(const json& obj, std::string_view key) {
  if (!obj.is_object())
    return {};
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

/// The first non-empty string among `keys`.
inline std::string first_str(const json& obj, std::initializer_list<std::string_view> keys) {
  for (auto k : keys)
    if (auto s = str(obj, k); !s.empty())
      return s;
  return {};
}

/// The integer at `key` (0 when absent or not a number).
inline int64_t num(const json& obj, std::string_view key) {
  if (!obj.is_object())
    return 0;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number())
    return 0;
  return it->is_number_float() ? static_cast<int64_t>(it->get<double>()) : it->get<int64_t>();
}

/// The member at `key`, or null.
inline const json& member(const json& obj, std::string_view key) {
  static const json null_value;
  if (!obj.is_object())
    return null_value;
  auto it = obj.find(key);
  return it == obj.end() ? null_value : *it;
}

inline bool has(const json& obj, std::string_view key) {
  return obj.is_object() && obj.find(key) != obj.end();
}

} // namespace kelos::cli::render_detail
