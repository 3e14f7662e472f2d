#pragma once

#include "sources/github/app_auth.hpp"

#include <chrono>
#include <string>
#include <string_view>

/// The GitHub App token exchange over HTTPS (the I/O half of `app_auth.hpp`).
///
/// Threading: `fetch_installation_token` **blocks** for up to `token_client_options::timeout`
/// (it runs `k8s::http_client::send_sync` on a client of its own). Never call it on a CAF
/// worker or on an `http_client` I/O thread: actors run it on a detached thread (or a
/// detached actor) and send the result back as a message.
namespace kelos::github {

/// Options of one exchange. Plain value with documented defaults.
struct token_client_options {
  /// PEM CA bundle to verify the API server against; empty means the system roots (tests
  /// and GitHub Enterprise Server with a private CA set it).
  std::string ca_pem;
  /// Bound of the whole exchange: connect, TLS handshake, request and response.
  std::chrono::milliseconds timeout{std::chrono::seconds{15}};
  /// User-Agent header (GitHub rejects requests without one).
  std::string user_agent = "kelos";
};

/// Exchanges App credentials for an installation token:
/// `POST {api_base}/app/installations/{installation_id}/access_tokens` with no body and the
/// headers `Authorization: Bearer <JWT signed at now>`, `Accept: application/vnd.github+json`
/// and `User-Agent`.
///
/// @param api_base e.g. "https://api.github.com" or `api_base_for_host(host)`; a path prefix
///        such as "/api/v3" is kept.
/// @return the token, or an error: `invalid_config` for a bad `api_base` or CA bundle,
///         the key errors of `make_app_jwt`, `connection_failed` / `timeout` from the transport,
///         and the status errors of `parse_token_response`. Every message starts with
///         "GitHub App token exchange: " and contains neither the JWT nor the token.
kelos::expected<installation_token> fetch_installation_token(const app_credentials& creds, std::string_view api_base,
                                                             k8s::time_point now,
                                                             const token_client_options& options = {});

} // namespace kelos::github
