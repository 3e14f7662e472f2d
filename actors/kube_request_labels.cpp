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

/// True when the path names a collection, false for a named object (or a subresource),
/// nullopt for a non-resource path.
std::optional<bool> is_collection(std::string_view path) {
  auto seg = segments(path);
  std::size_t prefix = 0;
  if (seg.size() >= 2 && seg[0] == "api")
    prefix = 2; // /api/v1
  else if (seg.size() >= 3 && seg[0] == "apis")
    prefix = 3; // /apis/group/version
  else
    return std::nullopt;
  auto rest = seg.size() - prefix;
  if (rest == 0)
    return std::nullopt; // discovery
  // namespaces/<ns>/<resource>...: the namespace prefix, unless it is the Namespace itself.
  if (rest >= 3 && seg[prefix] == "namespaces")
    rest -= 2;
  return rest == 1;
}

/// The resource plural of a resource path ("tasks", "events"); empty otherwise.
std::string_view resource_of(std::string_view path) {
  auto seg = segments(path);
  std::size_t prefix = 0;
  if (seg.size() >= 2 && seg[0] == "api")
    prefix = 2;
  else if (seg.size() >= 3 && seg[0] == "apis")
    prefix = 3;
  else
    return {};
  if (seg.size() <= prefix)
    return {};
  if (seg.size() >= prefix + 3 && seg[prefix] == "namespaces")
    return seg[prefix + 2];
  return seg[prefix];
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
  auto seg = segments(req.path);
  bool core = seg.size() >= 2 && seg[0] == "api";
  bool events_group = seg.size() >= 3 && seg[0] == "apis" && seg[1] == "events.k8s.io";
  return (core || events_group) && resource_of(req.path) == "events";
}

} // namespace kelos
