#include "actors/kube_transport.hpp"

#include "k8s/client/token_source.hpp"

namespace kelos {

namespace {

class http_transport final : public kube_transport {
public:
  explicit http_transport(std::shared_ptr<k8s::http_client> client) : client_(std::move(client)) {}

  void send(k8s::http_request req, done_fn done) override {
    client_->send(std::move(req), std::move(done));
  }

  std::function<void()> stream(k8s::http_request req, k8s::stream_callbacks callbacks) override {
    auto handle = client_->stream(std::move(req), std::move(callbacks));
    return [handle]() mutable { handle.cancel(); };
  }

private:
  std::shared_ptr<k8s::http_client> client_;
};

} // namespace

std::shared_ptr<kube_transport> make_http_transport(std::shared_ptr<k8s::http_client> client) {
  return std::make_shared<http_transport>(std::move(client));
}

k8s::transport_config transport_config_from(const k8s::client::rest_config& cfg) {
  k8s::transport_config t;
  t.scheme = cfg.server.scheme;
  t.host = cfg.server.host;
  t.port = cfg.server.port;
  t.base_path = cfg.server.base_path;
  t.ca_pem = cfg.ca_pem;
  t.client_cert_pem = cfg.client_cert_pem;
  t.client_key_pem = cfg.client_key_pem;
  t.insecure_skip_tls_verify = cfg.insecure_skip_tls_verify;
  t.tls_server_name = cfg.tls_server_name;
  t.user_agent = cfg.user_agent;
  // The KUBE actor keeps up to kube_config::max_in_flight (64) requests on the wire; keep
  // as many connections for reuse instead of reconnecting after each burst.
  t.max_idle_connections = 64;
  if (auto tokens = cfg.tokens) {
    t.bearer_token = [tokens]() -> kelos::expected<std::string> { return tokens->token(); };
    t.cached_bearer_token = [tokens] { return tokens->cached_token(); };
    t.invalidate_token = [tokens] { tokens->invalidate(); };
  }
  return t;
}

} // namespace kelos
