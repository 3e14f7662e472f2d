#pragma once

/// Synchronous Kubernetes REST for command-line verbs: one request, one JSON answer, the
/// server's Status message as the error. Verbs are short-lived and sequential, so they
/// use the blocking `http_client::send_sync` instead of an actor system.

#include "k8s/client/http_client.hpp"
#include "k8s/json.hpp"
#include "k8s/resource_registry.hpp"
#include "runtime/error.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace kelos::cli {

/// Sends `req` and returns the decoded body of a 2xx answer (null for an empty body).
/// Non-2xx answers become errors carrying the server's message (`error_from_response`).
kelos::expected<k8s::json> rest_call(k8s::http_client& http, k8s::http_request req,
                                     std::chrono::milliseconds timeout = std::chrono::seconds{30});

/// Creates `object`, or, when it exists, replaces its spec-level content (everything but
/// metadata other than labels/annotations, and status) if it differs. Returns the stored object.
kelos::expected<k8s::json> create_or_update(k8s::http_client& http, const k8s::resource_info& res,
                                            const k8s::json& object);

/// An HTTP client for the kubeconfig at `path` (its current context).
kelos::expected<std::shared_ptr<k8s::http_client>> client_for_kubeconfig(const std::string& path,
                                                                         const std::string& context = {});

} // namespace kelos::cli
