#include "k8s/apiserver/request_context.hpp"

#include <vector>

namespace kelos::apiserver {

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    auto j = path.find('/', i);
    if (j == std::string_view::npos)
      j = path.size();
    if (j > i)
      out.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// Fills namespace/plural/name/subresource from the segments after "<group>/<version>".
api_path resource_route(api_path p, const std::vector<std::string>& seg, std::size_t i) {
  std::size_t n = seg.size() - i;
  if (n == 0)
    return p; // resource_list
  p.kind = route::resource;
  // `/namespaces/<ns>/<plural>...` addresses a namespaced resource, except for the core
  // namespaces resource itself (`/namespaces/<name>`, `/namespaces/<name>/status|finalize`).
  if (seg[i] == "namespaces" && n >= 3 &&
      !(p.group.empty() && n == 3 && (seg[i + 2] == "status" || seg[i + 2] == "finalize"))) {
    p.namespace_ = seg[i + 1];
    i += 2;
    n -= 2;
  }
  p.plural = seg[i];
  if (n >= 2)
    p.name = seg[i + 1];
  if (n >= 3)
    p.subresource = seg[i + 2];
  if (n > 3)
    p.kind = route::unknown;
  return p;
}

} // namespace

api_path parse_api_path(std::string_view path) {
  auto seg = split_path(path);
  api_path p;
  if (seg.empty())
    return p;
  const auto& first = seg[0];
  if (first == "version" && seg.size() == 1) {
    p.kind = route::version;
    return p;
  }
  if (first == "healthz" || first == "readyz" || first == "livez") {
    p.kind = route::health;
    return p;
  }
  if (first == "openapi") {
    if (seg.size() >= 2 && seg[1] == "v2") {
      p.kind = route::openapi_v2;
      return p;
    }
    if (seg.size() >= 2 && seg[1] == "v3") {
      if (seg.size() == 2) {
        p.kind = route::openapi_v3_index;
        return p;
      }
      p.kind = route::openapi_v3_doc;
      for (std::size_t i = 2; i < seg.size(); ++i) {
        if (i > 2)
          p.openapi_key += "/";
        p.openapi_key += seg[i];
      }
      return p;
    }
    return p;
  }
  if (first == "swagger-2.0.0.pb-v1" || first == "swagger.json") {
    p.kind = route::openapi_v2;
    return p;
  }
  if (first == "api") {
    if (seg.size() == 1) {
      p.kind = route::core_versions;
      return p;
    }
    p.version = seg[1];
    p.kind = route::resource_list;
    return resource_route(std::move(p), seg, 2);
  }
  if (first == "apis") {
    if (seg.size() == 1) {
      p.kind = route::group_list;
      return p;
    }
    p.group = seg[1];
    if (seg.size() == 2) {
      p.kind = route::group;
      return p;
    }
    p.version = seg[2];
    p.kind = route::resource_list;
    return resource_route(std::move(p), seg, 3);
  }
  return p;
}

std::optional<bool> parse_query_bool(std::string_view v) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "True" || v == "TRUE")
    return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "False" || v == "FALSE")
    return false;
  return std::nullopt;
}

bool query_flag(const server_request& req, std::string_view name) {
  const auto* v = req.param(name);
  if (!v)
    return false;
  auto b = parse_query_bool(*v);
  return b.value_or(false);
}

std::string query_value(const server_request& req, std::string_view name, std::string fallback) {
  const auto* v = req.param(name);
  return v ? *v : fallback;
}

} // namespace kelos::apiserver
