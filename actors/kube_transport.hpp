#pragma once

#include "k8s/client/http_client.hpp"
#include "k8s/client/http_message.hpp"
#include "k8s/client/rest_config.hpp"
#include "runtime/error.hpp"

#include <functional>
#include <memory>

namespace kelos {

/// How the KUBE actor reaches the API server.
///
/// The production implementation wraps `k8s::http_client` (Asio threads of its own);
/// actor tests substitute a scripted transport. Callbacks may run on any thread and must
/// only hand their result to the actor (`caf::anon_send`).
class kube_transport {
public:
  using done_fn = std::function<void(kelos::expected<k8s::http_response>)>;

  virtual ~kube_transport() = default;

  /// Sends one request; `done` is called exactly once.
  virtual void send(k8s::http_request req, done_fn done) = 0;

  /// Starts a streaming request (watch). Returns a canceller: thread-safe, idempotent;
  /// after it `on_done(errc::cancelled)` may still arrive and must be ignored.
  virtual std::function<void()> stream(k8s::http_request req, k8s::stream_callbacks callbacks) = 0;
};

/// Wraps an HTTP client as a transport.
std::shared_ptr<kube_transport> make_http_transport(std::shared_ptr<k8s::http_client> client);

/// Builds the transport settings of a resolved client configuration (kubeconfig or
/// in-cluster), wiring its token source for bearer tokens and 401 refresh.
k8s::transport_config transport_config_from(const k8s::client::rest_config& cfg);

} // namespace kelos
