#pragma once

#include "k8s/time.hpp"
#include "runtime/error.hpp"

#include <map>
#include <string>
#include <string_view>

/// GitHub App authentication, the pure part (no I/O): detecting App credentials in a
/// Secret, signing the App JWT and reading the installation token response.
///
/// Same behaviour as the original's `internal/githubapp/token.go`:
/// 1. A Secret holds App credentials when it has all three keys `appID`, `installationID` and
///    `privateKey`; otherwise it is treated as a personal access token Secret (`GITHUB_TOKEN`).
/// 2. The JWT is RS256 (RSASSA-PKCS1-v1_5 over SHA-256), `iat` 60 s in the past (clock skew)
///    and `exp` 10 minutes ahead (GitHub's maximum), `iss` the App ID.
/// 3. The installation token is exchanged once per use and never refreshed here.
///
/// Secrets: no function here puts the private key, the JWT or an installation token into an
/// error message. Callers must not log `app_credentials`, JWTs or `installation_token::token`.
namespace kelos::github {

/// Secret keys of GitHub App credentials (the original's names).
inline constexpr std::string_view app_id_key = "appID";
inline constexpr std::string_view installation_id_key = "installationID";
inline constexpr std::string_view private_key_key = "privateKey";

/// GitHub App credentials as read from a Secret. Plain value; checked by
/// `parse_app_credentials`. Never log it: `private_key_pem` is the App's signing key.
struct app_credentials {
  /// The App ID, digits only (e.g. "123456").
  std::string app_id;
  /// The installation ID, digits only.
  std::string installation_id;
  /// The App's RSA private key, PEM (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`).
  std::string private_key_pem;
};

/// An installation access token. Never log `token`.
struct installation_token {
  /// The token, used as `GITHUB_TOKEN` (git over HTTPS, the GitHub API).
  std::string token;
  /// When GitHub stops accepting it (one hour after issue).
  k8s::time_point expires_at;
};

/// True when `secret_data` has all three keys `appID`, `installationID` and `privateKey`
/// (values are not looked at: empty values are reported by `parse_app_credentials`).
bool is_github_app(const std::map<std::string, std::string>& secret_data);

/// Reads and checks App credentials from decoded Secret data.
///
/// Rules: all three keys present and non-empty; the IDs are trimmed of ASCII whitespace and
/// must then be digits only; the key must be an unencrypted PEM RSA private key (PKCS#1 or
/// PKCS#8). Errors are `errc::invalid_spec` and name the Secret key, e.g.
/// `GitHub App secret key "installationID" must be digits, got "12a"`; the key material is
/// never part of a message. The returned `private_key_pem` is the value unchanged.
kelos::expected<app_credentials> parse_app_credentials(const std::map<std::string, std::string>& secret_data);

/// Signs the App JWT: header `{"alg":"RS256","typ":"JWT"}`, payload
/// `{"exp":<now+600>,"iat":<now-60>,"iss":"<app_id>"}` (whole seconds since the epoch,
/// `now` truncated), each part base64url without padding, joined with '.'.
/// Errors (`errc::invalid_spec` for a key that does not parse or is not RSA,
/// `errc::logic_error` for an OpenSSL failure) never contain the key. The JWT itself is a
/// credential for 10 minutes: never log it.
kelos::expected<std::string> make_app_jwt(const app_credentials& creds, k8s::time_point now);

/// The REST API base URL for a repository host: "https://api.github.com" for "" and
/// "github.com" (any case), otherwise GitHub Enterprise Server's "https://<host>/api/v3".
/// `host` may carry a port ("ghe.example.com:8443").
std::string api_base_for_host(std::string_view host);

/// The path of the token exchange below the API base, e.g.
/// "/app/installations/42/access_tokens".
std::string access_tokens_path(std::string_view installation_id);

/// Reads the answer to `POST /app/installations/{id}/access_tokens`.
///
/// Only 201 is success; its JSON body must have a non-empty string `token` and an RFC 3339
/// `expires_at`. Any other status is an error with `k8s::errc_for_status` semantics
/// (401 `unauthorized`, 403 `forbidden`, 404 `not_found`, 422 `bad_request`, 429/5xx
/// `server_unavailable`, else `http_error`) and the message
/// `GitHub returned HTTP <status>: <first 1 KiB of the body>` (made valid single-line UTF-8;
/// a body that holds a `token` field is withheld). A bad 201 body is `errc::parse_error`
/// naming the field, never quoting the body. The token never appears in a message, nor does
/// `credential` (the request's JWT): a body that echoes it has each copy replaced by
/// `[redacted]` before it is quoted.
kelos::expected<installation_token> parse_token_response(int status, std::string_view body,
                                                         std::string_view credential = {});

} // namespace kelos::github
