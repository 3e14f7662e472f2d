#pragma once

#include <nlohmann/json.hpp>

namespace kelos::k8s {

/// Kubernetes objects are held as JSON documents; typed views read the parts we use.
using json = nlohmann::json;

/// Returns `j[key]` as a string, or `fallback` when absent or not a string.
std::string get_string(const json& j, const char* key, std::string fallback = {});
/// Returns `j[key]` as an integer (fractions truncated), or `fallback` when absent, not a
/// number, or outside the range of int64_t.
int64_t get_int(const json& j, const char* key, int64_t fallback = 0);
/// Returns `j[key]` as a bool, or `fallback` when absent or not a bool.
bool get_bool(const json& j, const char* key, bool fallback = false);
/// Returns the object at a `.`-separated path (e.g. "status.phase"), or nullptr. Every
/// segment is a key, the empty one included: "" is `j[""]` and "a." is `j["a"][""]`.
const json* find_path(const json& j, std::string_view dotted_path);

} // namespace kelos::k8s
