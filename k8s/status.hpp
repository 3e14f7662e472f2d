#pragma once

#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <string>

namespace kelos::k8s {

/// A `metav1.Status` failure as the API server returns it.
struct api_status {
  int code = 0;
  std::string reason;   // "NotFound", "Conflict", "Expired", ...
  std::string message;  // server text, e.g. `tasks.kelos.dev "x" not found`
  std::string details_name;
  std::string details_kind;
};

/// Reads a Status body; returns nullopt when `body` is not a Status.
std::optional<api_status> parse_status(const json& body);

/// Builds a Status body (`kind: Status`, `status: Failure`) as the API server sends it.
json make_status(int code, std::string_view reason, std::string_view message,
                 std::string_view details_name = {}, std::string_view details_kind = {},
                 std::string_view details_group = {});

/// The reason Kubernetes uses for an HTTP status code ("NotFound" for 404, ...).
std::string_view reason_for_code(int http_code);

/// Maps an HTTP status and Status reason to an error code (409 splits into
/// already_exists and conflict by reason; 410 is gone; 429 and 5xx are retryable).
errc errc_for_status(int http_code, std::string_view reason);

/// Builds a kelos::error from an HTTP response: the server's message when the body is a
/// Status, else "HTTP <code>: <first 200 bytes of body>". `what` names the request. Both
/// pass through `redact_credentials` (a proxy or webhook may echo the Authorization header).
kelos::error error_from_response(int http_code, const std::string& body, std::string_view what);

/// `text` with the credential after each "Bearer " or "Basic " (any case) replaced by
/// "[redacted]". The credential runs to the next space, quote, bracket, comma or semicolon.
std::string redact_credentials(std::string_view text);

/// True for errors worth retrying on idempotent requests (429, 5xx, connection, timeout).
bool is_retryable(errc code) noexcept;

} // namespace kelos::k8s
