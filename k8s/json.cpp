#include "k8s/json.hpp"

#include <cstdint>

namespace kelos::k8s {

std::string get_string(const json& j, const char* key, std::string fallback) {
  if (!j.is_object())
    return fallback;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    return fallback;
  return it->get<std::string>();
}

int64_t get_int(const json& j, const char* key, int64_t fallback) {
  if (!j.is_object())
    return fallback;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number())
    return fallback;
  if (it->is_number_float()) {
    // Converting a double outside int64's range (1e300, NaN cannot occur) is undefined
    // behaviour; found by tests/fuzz/json_object.
    double d = it->get<double>();
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
      return fallback;
    return static_cast<int64_t>(d);
  }
  if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{INT64_MAX})
    return fallback;
  return it->get<int64_t>();
}

bool get_bool(const json& j, const char* key, bool fallback) {
  if (!j.is_object())
    return fallback;
  auto it = j.find(key);
  if (it == j.end() || !it->is_boolean())
    return fallback;
  return it->get<bool>();
}

const json* find_path(const json& j, std::string_view dotted_path) {
  const json* cur = &j;
  for (;;) {
    auto dot = dotted_path.find('.');
    auto key = dotted_path.substr(0, dot);
    if (!cur->is_object())
      return nullptr;
    auto it = cur->find(key);
    if (it == cur->end())
      return nullptr;
    cur = &*it;
    if (dot == std::string_view::npos)
      return cur;
    dotted_path.remove_prefix(dot + 1);
  }
}

} // namespace kelos::k8s
