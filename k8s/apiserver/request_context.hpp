#pragma once

#include "k8s/apiserver/http_message.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace kelos::apiserver {

/// What a request path addresses. Pure classification; whether a resource exists is
/// decided later against the resource catalog.
enum class route {
  version,            // /version, /version/
  health,             // /healthz, /readyz, /livez (and their sub-paths)
  core_versions,      // /api
  group_list,         // /apis
  group,              // /apis/<group>
  resource_list,      // /api/v1, /apis/<group>/<version>
  openapi_v3_index,   // /openapi/v3
  openapi_v3_doc,     // /openapi/v3/<key>
  openapi_v2,         // /openapi/v2, /swagger-2.0.0.pb-v1 (always 404)
  resource,           // a collection, object or subresource
  unknown,
};

/// A parsed API path, e.g. `/apis/kelos.dev/v1alpha1/namespaces/ns/tasks/x/status`.
/// Trailing slashes are tolerated.
struct api_path {
  route kind = route::unknown;
  std::string group;       // "" for the core group
  std::string version;     // "v1"
  std::string namespace_;  // from `/namespaces/<ns>/...`; empty otherwise
  std::string plural;      // "tasks"
  std::string name;        // object name, empty for a collection
  std::string subresource; // "status", "log", ... or empty
  /// For `openapi_v3_doc`: "apis/kelos.dev/v1alpha1" or "api/v1".
  std::string openapi_key;

  bool is_collection() const { return name.empty(); }
};

/// Classifies a decoded request path. Never fails: unknown shapes give `route::unknown`.
api_path parse_api_path(std::string_view path);

/// Parses a Kubernetes query boolean: 1, t, T, true, True, TRUE (and the same for false);
/// anything else is nullopt.
std::optional<bool> parse_query_bool(std::string_view value);

/// True when the query parameter is present and parses as true.
bool query_flag(const server_request& req, std::string_view name);

/// The value of a query parameter, or `fallback`.
std::string query_value(const server_request& req, std::string_view name,
                        std::string fallback = {});

} // namespace kelos::apiserver
