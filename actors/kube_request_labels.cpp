#include "actors/kube_request_labels.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace kelos {

namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto seg = path.substr(0, slash);
    if (!seg.empty())
      out.push_back(seg);
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

/// A resource path split at its parts: `/api/v1` or `/apis/<group>/<version>`, then
/// optionally `namespaces/<ns>`, then `<resource>[/<name>[/<subresource>]]`.
struct resource_path {
  std::string_view group; // "" for the core group
  /// The segments after the group/version prefix and the namespace prefix.
  std::vector<std::string_view> rest;
};

/// nullopt for a non-resource path (`/version`) or a discovery path (`/api/v1`).
std::optional<resource_path> parse_resource_path(std::string_view path) {
  auto seg = segments(path);
  resource_path out;
  std::size_t prefix = 0;
  if (seg.size() >= 2 && seg[0] == "api") {
    prefix = 2; // /api/v1
  } else if (seg.size() >= 3 && seg[0] == "apis") {
    prefix = 3; // /apis/group/version
    out.group = seg[1];
  } else {
    return std::nullopt;
  }
  if (seg.size() == prefix)
    return std::nullopt;
  // namespaces/<ns>/<resource>...: the namespace prefix, unless it is the Namespace itself.
  if (seg.size() - prefix >= 3 && seg[prefix] == "namespaces")
    prefix += 2;
  out.rest.assign(seg.begin() + static_cast<std::ptrdiff_t>(prefix), seg.end());
  return out;
}

/// True when the path names a collection, false for a named object (or a subresource),
/// nullopt for a non-resource path.
std::optional<bool> is_collection(std::string_view path) {
  auto p = parse_resource_path(path);
  if (!p)
    return std::nullopt;
  return p->rest.size() == 1;
}

bool watch_query(const k8s::http_request& req) {
  for (const auto& [k, v] : req.query)
    if (k == "watch" && (v == "true" || v == "1"))
      return true;
  return false;
}

} // namespace

std::string kube_verb(const k8s::http_request& req) {
  const auto& m = req.method;
  if (m == "GET") {
    if (watch_query(req))
      return "watch";
    return is_collection(req.path).value_or(false) ? "list" : "get";
  }
  if (m == "POST")
    return "create";
  if (m == "PUT")
    return "update";
  if (m == "PATCH")
    return "patch";
  if (m == "DELETE")
    return is_collection(req.path).value_or(false) ? "deletecollection" : "delete";
  return "other";
}

bool is_event_request(const k8s::http_request& req) {
  auto p = parse_resource_path(req.path);
  return p && (p->group.empty() || p->group == "events.k8s.io") && p->rest.front() == "events";
}

} // namespace kelos
