#pragma once

/// Label values of the KUBE actor's request metrics (pure).

#include "k8s/client/http_message.hpp"

#include <string>

namespace kelos {

/// The Kubernetes verb of a request, from its method, path and query, as the API server's
/// audit log names it: "get", "list", "watch", "create", "update", "patch", "delete",
/// "deletecollection"; "other" for any other method. A GET (or DELETE) of a collection
/// (`/api/v1/pods`, `/apis/g/v/namespaces/ns/tasks`) is list (deletecollection); of a named
/// object or its subresource (`.../tasks/t/status`, `.../pods/p/log`) get (delete); with
/// `watch=true` (or `watch=1`) watch. Non-resource paths (`/version`) are get.
std::string kube_verb(const k8s::http_request& req);

/// True for a request on Events (`/api/v1/.../events...` or `/apis/events.k8s.io/...`):
/// they draw on their own rate-limit bucket, as client-go's event recorder has its own client.
bool is_event_request(const k8s::http_request& req);

} // namespace kelos
