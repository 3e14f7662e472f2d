#pragma once

#include "k8s/apiserver/http_message.hpp"
#include "runtime/error.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace kelos::apiserver {

/// Settings of the HTTP front. Defaults suit tests: loopback, a free port, 2 io threads.
struct http_server_config {
  /// Address to bind; only loopback is ever used by tests.
  std::string address = "127.0.0.1";
  /// 0 picks a free port; read it back with `http_server::port()`.
  uint16_t port = 0;
  /// Number of io threads running the Asio event loop.
  int io_threads = 2;
  /// Requests with a larger body get 413 (Status reason RequestEntityTooLarge).
  std::size_t max_body_bytes = 3 * 1024 * 1024;
  /// PEM server certificate chain and private key; both set turns TLS on.
  std::string tls_cert_pem;
  std::string tls_key_pem;
};

/// HTTP/1.1 server (Beast, async, keep-alive, optional TLS). Every request is handed to
/// the handler on an io thread; responses are complete bodies or chunked streams.
///
/// Guarantees:
/// 1. A handler exception becomes a 500 Status; a malformed request a 400; an oversized
///    body a 413. The server never crashes on bad input.
/// 2. `stop()` waits (bounded, about 2 s) for open streams to flush their terminating
///    chunk, then stops the io threads. It is idempotent and called by the destructor.
class http_server {
public:
  /// Binds, listens and starts the io threads. Fails with `io_error` when the address
  /// cannot be bound, `invalid_config` when the TLS material does not load.
  static expected<std::unique_ptr<http_server>> start(http_server_config config,
                                                      request_handler handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The bound port (the chosen one when the config asked for 0).
  uint16_t port() const;
  /// True when serving HTTPS.
  bool tls() const;
  /// Stops accepting, lets streams flush (bounded), joins the io threads.
  void stop();

  /// Internal state (defined in http_server.cpp).
  struct impl;

private:
  explicit http_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace kelos::apiserver
