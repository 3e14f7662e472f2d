#pragma once

// Internal to the HTTP transport (k8s/client/http_*.cpp). Not part of the public API: include
// k8s/client/http_client.hpp instead. Deliberately free of Beast/Asio headers so that
// http_client.cpp, which holds the pool and retry logic, stays cheap to compile.

#include "runtime/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace kelos::k8s {
struct transport_config;
} // namespace kelos::k8s

namespace kelos::k8s::detail {

using clock = std::chrono::steady_clock;
using header_list = std::vector<std::pair<std::string, std::string>>;

/// A fully prepared request line, headers and body as written on the wire.
struct wire_request {
  /// Request method, e.g. "GET".
  std::string method;
  /// Origin-form target: base path + path + "?" + encoded query.
  std::string target;
  /// All headers, including Host, User-Agent and (if any) Authorization.
  header_list headers;
  /// Request body; Content-Length is set from it.
  std::string body;
};

/// Receives one response as it is parsed. Called on the connection's executor.
class response_sink {
public:
  virtual ~response_sink() = default;
  /// The status line and headers arrived. Return false to stop reading (the connection is
  /// then closed and not reused).
  virtual bool on_head(int status, header_list headers) = 0;
  /// Body bytes arrived (already de-chunked). Return false to stop reading.
  virtual bool on_data(std::string_view chunk) = 0;
};

/// Time bounds of one exchange. Each step's expiry is min(now + step timeout, deadline).
struct exchange_limits {
  /// Absolute bound of the whole exchange (`clock::time_point::max()` for none, i.e. streams).
  clock::time_point deadline = clock::time_point::max();
  /// Bound for writing the request.
  std::chrono::milliseconds write_timeout{30000};
  /// Bound between the end of the write and the complete response header.
  std::chrono::milliseconds header_timeout{60000};
  /// Bound for each body read (the idle gap between body bytes).
  std::chrono::milliseconds idle_timeout{std::chrono::hours{24}};
  /// Largest accepted body; 0 means unlimited (streams).
  uint64_t body_limit = 0;
};

/// How one exchange ended.
struct exchange_result {
  /// Empty on success (the whole response was read, or the sink stopped reading).
  kelos::error err;
  /// True when the failure happened before any request byte was written.
  bool nothing_written = false;
  /// True when the failure happened before any response byte was received.
  bool nothing_received = false;
  /// True when the sink returned false (reading stopped early).
  bool stopped_by_sink = false;
  /// True when the complete response was read and both sides allow keep-alive.
  bool keep_alive = false;
};

/// One HTTP/1.1 connection (plain TCP or TLS). All operations run on the connection's own
/// strand; callbacks are invoked there. At most one operation at a time.
class connection {
public:
  virtual ~connection() = default;
  /// Resolves, connects and (TLS) handshakes. Errors: connection_failed or timeout.
  virtual void async_open(clock::time_point deadline, std::function<void(kelos::error)> done) = 0;
  /// Writes `req` and reads one response into `sink`.
  virtual void async_exchange(wire_request req, std::shared_ptr<response_sink> sink, exchange_limits limits,
                              std::function<void(exchange_result)> done) = 0;
  /// True when the last exchange read a complete response that allows keep-alive.
  virtual bool reusable() const = 0;
  /// Cheap check of an idle connection, callable from any thread while no operation runs:
  /// false when the peer has closed it (or sent unsolicited bytes, e.g. a 408 before closing),
  /// using a non-blocking MSG_PEEK on the socket.
  virtual bool peer_alive() const = 0;
  /// Number of completed exchanges (0 for a fresh connection).
  virtual unsigned exchanges() const = 0;
  /// Thread-safe: closes the socket on the connection's strand; pending operations fail.
  virtual void cancel() = 0;
};

/// Opaque TLS client settings (the `ssl::context`), built once per client.
class tls_settings;

/// Builds the TLS client context from the config's PEMs. Errors: invalid_config naming the PEM.
kelos::expected<std::shared_ptr<tls_settings>> make_tls_settings(const transport_config& cfg);

/// A plain TCP connection to cfg.host:cfg.port (defined in http_plain.cpp).
std::shared_ptr<connection> make_plain_connection(boost::asio::io_context& ioc, const transport_config& cfg);

/// A TLS connection (defined in http_tls.cpp): SNI, verification of the peer chain against
/// the settings' CA and of the host name or IP address (`tls_server_name` or host).
std::shared_ptr<connection> make_tls_connection(boost::asio::io_context& ioc, const transport_config& cfg,
                                                std::shared_ptr<tls_settings> tls);

/// "host:port" with IPv6 literals bracketed, as used in messages and the Host header.
std::string host_port(std::string_view host, uint16_t port);

} // namespace kelos::k8s::detail
