#pragma once

#include "k8s/apiserver/http_message.hpp"
#include "k8s/apiserver/object_store.hpp"
#include "k8s/apiserver/pod_logs.hpp"
#include "k8s/apiserver/resource_catalog.hpp"
#include "k8s/apiserver/stream_pump.hpp"

#include <chrono>
#include <string>

namespace kelos::apiserver {

/// Switches and identity the handlers need (a subset of `api_server_config`).
struct handler_config {
  /// `/version` minor (the kubectl dispatcher picks its kubectl from it).
  std::string version_minor = "32";
  /// Serve `/openapi/v3` (off: 404, as a server without OpenAPI).
  bool openapi = true;
  /// Answer aggregated discovery when asked (off: always legacy documents).
  bool aggregated_discovery = true;
  /// Answer Table when asked (off: plain objects; kubectl then prints NAME and AGE).
  bool table = true;
  /// "host:port" reported in `/api`'s serverAddressByClientCIDRs (empty: the request's Host).
  std::string server_address;
  /// Watch duration when the client gives no `timeoutSeconds` (upstream: 30–60 min).
  std::chrono::seconds default_watch_timeout{1800};
};

/// The Kubernetes REST surface: maps one HTTP request to store, catalog, discovery,
/// OpenAPI, Table and log operations and renders upstream-shaped responses (Status
/// bodies with upstream texts on every error).
///
/// Thread safety: `handle` may run concurrently on every io thread.
class api_handlers {
public:
  api_handlers(object_store& store, resource_catalog& catalog, pod_log_store& logs,
               stream_pump& pump, handler_config config);

  /// Serves one request. Never throws for bad input (errors become Status responses).
  server_response handle(server_request& req);

private:
  server_response handle_resource(server_request& req, const struct api_path& path);
  server_response handle_log(server_request& req, const std::shared_ptr<const catalog_entry>& entry,
                             const std::string& ns, const std::string& name);

  object_store& store_;
  resource_catalog& catalog_;
  pod_log_store& logs_;
  stream_pump& pump_;
  handler_config config_;
};

} // namespace kelos::apiserver
