#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kelos::k8s {

/// One HTTP request to the Kubernetes API server, as a plain value.
///
/// Built by the pure functions in k8s/client/request.hpp and executed by the transport.
/// Holds no connection state and no credentials: the transport adds `Authorization`
/// and `Host` itself, so a request can be logged without leaking secrets (the body may
/// still hold secret data; log only method and target).
struct http_request {
  /// "GET", "POST", "PUT", "PATCH" or "DELETE".
  std::string method;
  /// Absolute path without query, e.g. "/apis/kelos.dev/v1alpha1/namespaces/default/tasks".
  /// Path segments are already valid (Kubernetes names need no escaping).
  std::string path;
  /// Query parameters, unescaped, in the order they are sent; the transport encodes
  /// them via `target()`.
  std::vector<std::pair<std::string, std::string>> query;
  /// Extra request headers, e.g. Content-Type and Accept.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Request body (JSON or YAML); empty for GET and for DELETE without options.
  std::string body;
  /// True for watch and log-follow: the response body is delivered incrementally
  /// and the connection is not reused.
  bool streaming = false;
  /// True when it is safe to resend the request on 429/5xx/connection errors
  /// (GET, PUT with resourceVersion, DELETE, server-side apply). False for POST.
  bool idempotent = true;

  /// path + "?" + query, each key and value percent-encoded (RFC 3986 unreserved
  /// characters `A-Za-z0-9-._~` kept, everything else `%XX` with upper-case hex,
  /// space as `%20`). No "?" when the query is empty.
  std::string target() const;

  /// The first header value with this name (case-insensitive), or empty.
  std::string header(std::string_view name) const;
};

/// One complete (non-streaming) HTTP response from the API server.
struct http_response {
  /// HTTP status code, 0 when no response was received.
  int status = 0;
  /// Response headers in received order.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The whole body (for streaming requests: whatever the transport buffered, usually empty).
  std::string body;

  /// The first header value with this name (case-insensitive), or empty when absent.
  std::string header(std::string_view name) const;
};

/// Percent-encodes `s` for a query component: RFC 3986 unreserved characters are kept,
/// every other byte becomes `%XX` (upper-case hex).
std::string percent_encode(std::string_view s);

/// Case-insensitive ASCII comparison of two header names.
bool header_name_equal(std::string_view a, std::string_view b) noexcept;

} // namespace kelos::k8s
