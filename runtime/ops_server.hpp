#pragma once

/// The operations endpoint of a Kelos process: Prometheus metrics and health probes
/// over plain HTTP/1.1, served by one io thread of its own (never a CAF worker).
///
/// | Request | Answer |
/// |---|---|
/// | `GET /metrics` | 200, `text/plain; version=0.0.4; charset=utf-8`, `registry.render()` (404 without a registry) |
/// | `GET /healthz` | 200 `ok` while the server runs (404 when `health` is off) |
/// | `GET /readyz` | 200 `ok` when `ready()` reports ready, else 503 with the reason (404 when `health` is off) |
/// | other paths | 404 `404 page not found` |
/// | other methods | 405 with `Allow: GET` |
///
/// The query string is ignored. Connections are kept alive per HTTP/1.1 and closed after
/// 30 s of silence.
///
/// The controller of the seed served metrics on `--metrics-bind-address` (default `:8080`)
/// and probes on `--health-probe-bind-address` (default `:8081`); run one server per
/// address, the first with only `registry`, the second with only `health`.

#include "runtime/error.hpp"
#include "runtime/metrics.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace kelos::ops {

/// A parsed bind address.
struct bind_address {
  /// A literal IPv4/IPv6 address or a host name; "0.0.0.0" for ":port".
  std::string host;
  /// 0 picks a free port.
  uint16_t port = 0;
};

/// Parses a Go-style listen address: "host:port", "[v6]:port", or ":port" (all IPv4
/// interfaces, like Go's 0.0.0.0). "" and "0" mean disabled (nullopt), as in
/// controller-runtime. Errors (`invalid_config`) name the address: a missing or
/// non-numeric port, a port over 65535, an unclosed bracket.
expected<std::optional<bind_address>> parse_bind_address(std::string_view text);

/// Readiness as a value the process flips and the server reads. Thread-safe.
/// Starts not ready with reason "starting".
class readiness_flag {
public:
  void set_ready();
  /// `reason` is the 503 body of /readyz, e.g. "caches not synced".
  void set_not_ready(std::string reason);
  /// nullopt when ready, else the reason.
  std::optional<std::string> check() const;

private:
  mutable std::mutex mutex_;
  bool ready_ = false;
  std::string reason_ = "starting";
};

/// Answers "are we ready?": nullopt when ready, else the reason it is not.
using readiness_check = std::function<std::optional<std::string>()>;

struct ops_server_config {
  /// See `parse_bind_address`. "" or "0" disables the server.
  std::string address;
  /// Served at /metrics when set; must outlive the server. Rendered on the io thread.
  const metrics::registry* registry = nullptr;
  /// Serve /healthz and /readyz.
  bool health = true;
  /// Called on the io thread for each /readyz; unset means always ready. Must be
  /// thread-safe and quick (`readiness_flag::check` is both).
  readiness_check ready;
};

/// A running ops endpoint. Destruction stops it.
class ops_server {
public:
  /// Binds and starts serving. Returns a null pointer when `config.address` disables the
  /// server. Errors name the address: `invalid_config` for an unparsable or unresolvable
  /// address, `io_error` when binding fails (address in use, not local, permission).
  static expected<std::unique_ptr<ops_server>> start(ops_server_config config);

  ~ops_server();
  ops_server(const ops_server&) = delete;
  ops_server& operator=(const ops_server&) = delete;

  /// The bound port (the chosen one when the address asked for port 0).
  uint16_t port() const;

  /// Closes the listener and every connection and joins the io thread. Idempotent.
  void stop();

private:
  struct impl;
  explicit ops_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace kelos::ops
