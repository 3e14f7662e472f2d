#pragma once

#include "k8s/tls/cert_gen.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// A small blocking HTTP/1.1 server on 127.0.0.1:<ephemeral port> for transport tests.
///
/// One thread accepts, one thread per connection serves requests in a keep-alive loop and
/// calls the test-supplied handler for each. Every wait (delays, "never answer") is
/// interruptible: `stop()` and the destructor return promptly, shutting down every socket.
namespace kelos::test {

/// One request as received by the server.
struct loopback_request {
  /// Method, e.g. "GET".
  std::string method;
  /// Origin-form target with query, e.g. "/api/v1/pods?watch=1".
  std::string target;
  /// Headers in received order.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Request body.
  std::string body;
  /// 1-based number of the connection this request arrived on (in accept order).
  std::size_t connection = 0;
  /// TLS only: the CN of the verified client certificate, empty without one.
  std::string client_cert_cn;

  /// The first header value with this name (case-insensitive), or empty.
  std::string header(std::string_view name) const;
};

/// What the server sends back. The default is an empty `200 OK` with Content-Length: 0.
struct loopback_response {
  /// Status code.
  int status = 200;
  /// Extra headers (Content-Type, ...). Framing headers are set by the server.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Body sent with Content-Length (when `chunks` is empty and `until_close` is false).
  std::string body;
  /// When non-empty: send a chunked body, one HTTP chunk per element.
  std::vector<std::string> chunks;
  /// Wait this long before sending the status line.
  std::chrono::milliseconds delay_before_head{0};
  /// Wait this long before each chunk after the first.
  std::chrono::milliseconds chunk_delay{0};
  /// Send `Connection: close` and close after this response.
  bool close_after = false;
  /// Chunked only: close the connection after the chunks without the terminating chunk.
  bool abort_mid_stream = false;
  /// Send `body` without Content-Length or chunking, ending it by closing the connection.
  bool until_close = false;
  /// Never answer: hold the connection open until the server stops.
  bool no_response = false;
  /// Advertise keep-alive but close the connection right after this response (what an idle
  /// timeout on the server or a load balancer does to a pooled connection).
  bool drop_after = false;
  /// Read the request, then close the connection without answering (a pooled connection that
  /// the server closed just as the request was sent).
  bool hang_up = false;
};

/// Produces the response for a request. Runs on a connection thread; must be thread-safe.
using loopback_handler = std::function<loopback_response(const loopback_request&)>;

/// TLS settings of the server.
struct loopback_tls {
  /// Server certificate and key (PEM).
  std::string cert_pem;
  /// Server key (PEM).
  std::string key_pem;
  /// When non-empty, client certificates signed by this CA are required (mTLS).
  std::string client_ca_pem;
};

/// PKI for tests, generated once per process with `k8s/tls/cert_gen.hpp`.
struct loopback_pki {
  /// The CA that signed `server` and `client`.
  k8s::tls::cert_and_key ca;
  /// Server certificate for DNS "localhost" and IP 127.0.0.1.
  k8s::tls::cert_and_key server;
  /// Client certificate `CN=kelos-test, O=system:masters`.
  k8s::tls::cert_and_key client;
  /// An unrelated CA (for "wrong CA" tests).
  k8s::tls::cert_and_key other_ca;
  /// A client certificate signed by `other_ca`.
  k8s::tls::cert_and_key other_client;
};

/// The process-wide test PKI. Aborts the test program if generation fails.
const loopback_pki& test_pki();

/// The server. Starts listening in the constructor (throws std::runtime_error on failure:
/// tests only).
class loopback_server {
public:
  explicit loopback_server(loopback_handler handler, std::optional<loopback_tls> tls = std::nullopt);
  ~loopback_server();
  loopback_server(const loopback_server&) = delete;
  loopback_server& operator=(const loopback_server&) = delete;

  /// The bound port on 127.0.0.1.
  uint16_t port() const;
  /// Connections accepted so far (TCP level, including failed TLS handshakes).
  std::size_t connections_accepted() const;
  /// Requests read completely and passed to the handler.
  std::size_t requests_handled() const;
  /// Stops accepting, shuts every connection down and joins all threads. Idempotent.
  void stop();

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace kelos::test
