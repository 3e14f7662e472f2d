#include "sources/github/token_client.hpp"

#include "k8s/client/http_client.hpp"
#include "k8s/client/rest_config.hpp"

#include <algorithm>
#include <memory>

namespace kelos::github {

namespace {

kelos::error prefixed(kelos::error err) {
  err.message = "GitHub App token exchange: " + err.message;
  return err;
}

} // namespace

kelos::expected<installation_token> fetch_installation_token(const app_credentials& creds, std::string_view api_base,
                                                             k8s::time_point now,
                                                             const token_client_options& options) {
  auto url = k8s::client::parse_server_url(api_base);
  if (!url)
    return prefixed(kelos::make_error(errc::invalid_config, "bad API base: " + url.error().message));
  auto jwt = make_app_jwt(creds, now);
  if (!jwt)
    return prefixed(std::move(jwt).error());

  k8s::transport_config cfg;
  cfg.scheme = url->scheme;
  cfg.host = url->host;
  cfg.port = url->port;
  cfg.base_path = url->base_path;
  cfg.ca_pem = options.ca_pem;
  cfg.user_agent = options.user_agent;
  // The JWT goes through the transport's bearer hook, which keeps it out of the request value.
  cfg.bearer_token = [token = *jwt]() -> kelos::expected<std::string> { return token; };
  // One exchange per client: no keep-alive pool, every step bounded by the overall timeout.
  cfg.max_idle_connections = 0;
  cfg.connect_timeout = std::min(cfg.connect_timeout, options.timeout);
  cfg.tls_handshake_timeout = std::min(cfg.tls_handshake_timeout, options.timeout);
  cfg.write_timeout = std::min(cfg.write_timeout, options.timeout);
  cfg.response_header_timeout = std::min(cfg.response_header_timeout, options.timeout);
  cfg.total_timeout = options.timeout;
  cfg.max_body_bytes = 1 << 20; // a token answer is a few hundred bytes
  auto client = k8s::http_client::make(std::move(cfg));
  if (!client)
    return prefixed(std::move(client).error());

  k8s::http_request req;
  req.method = "POST";
  req.path = access_tokens_path(creds.installation_id);
  req.headers = {{"Accept", "application/vnd.github+json"}};
  req.idempotent = false;
  auto resp = (*client)->send_sync(std::move(req), options.timeout);
  if (!resp)
    return prefixed(std::move(resp).error());
  // An error answer may echo the Authorization header: its JWT is never quoted.
  auto token = parse_token_response(resp->status, resp->body, *jwt);
  if (!token)
    return prefixed(std::move(token).error());
  return token;
}

} // namespace kelos::github
