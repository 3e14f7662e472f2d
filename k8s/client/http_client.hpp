#pragma once

#include "k8s/client/http_message.hpp"
#include "runtime/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// The HTTP(S) transport of the Kubernetes client (Boost.Beast + OpenSSL behind a pimpl).
///
/// Threading model:
/// 1. An `http_client` owns `io_threads` I/O threads (default 1) and, when a bearer token
///    callback is configured, one extra thread that calls it. Nothing runs on the caller's
///    thread: `send` and `stream` return immediately, so CAF workers never block.
/// 2. **Every callback runs on an I/O thread.** Callbacks must only hand the result off
///    (e.g. `caf::anon_send(actor, ...)`) and return quickly; a slow callback stalls every
///    other request of this client. Callbacks may call `send`/`stream` again, but never
///    `send_sync` or the destructor.
///
/// Connection handling (same spirit as Go's net/http Transport, which client-go uses):
/// - HTTP/1.1 with `Host`, `User-Agent` and `Authorization: Bearer` (never logged);
///   no `Accept-Encoding` is sent, so bodies are never compressed.
/// - A bounded keep-alive pool per client. A connection goes back to the pool only after a
///   complete response that allows keep-alive (`Connection: close` from either side is honoured).
///   Streams (`http_request::streaming`) never return their connection to the pool.
/// - A pooled connection idle for `probe_idle_after` or longer is checked for a close by the
///   server before it is reused.
/// - A pooled connection that turns out to be stale (fails before any response byte) is retried
///   once on a new connection: always when nothing was written, otherwise only for idempotent requests.
/// - On a 401, when `invalidate_token` is set, it is called, a new token is fetched and the
///   request is retried once.
namespace kelos::k8s {

/// Transport settings for one API server endpoint. Plain value; `validate` checks it.
struct transport_config {
  /// "http" or "https".
  std::string scheme = "https";
  /// Host name or IP literal (IPv6 without brackets), e.g. "127.0.0.1".
  std::string host;
  /// TCP port; 0 means the scheme's default (80 / 443).
  uint16_t port = 0;
  /// Path prefix prepended to every request path (e.g. "/k8s/clusters/c-1"); no trailing '/'.
  std::string base_path;

  /// PEM CA bundle to verify the server against; empty means the system default verify paths.
  std::string ca_pem;
  /// PEM client certificate (chain) for mTLS; used only together with `client_key_pem`.
  std::string client_cert_pem;
  /// PEM private key of the client certificate. Never logged.
  std::string client_key_pem;
  /// Skips chain and host verification (kubeconfig `insecure-skip-tls-verify`). Unsafe.
  bool insecure_skip_tls_verify = false;
  /// Name used for SNI and verification instead of `host` (kubeconfig `tls-server-name`).
  std::string tls_server_name;

  /// Returns the bearer token for each request (may be empty: no Authorization header).
  /// May block briefly (exec plugins, file reads): it is called on a dedicated thread, never on
  /// the caller's or an I/O thread. An error fails the request with that error.
  std::function<kelos::expected<std::string>()> bearer_token;
  /// Optional, with `bearer_token`: the token when it is at hand without blocking, else
  /// nullopt. Called on the I/O thread before each attempt (not before the retry after a
  /// 401); a value is used as is and spares the request its round trip through the token
  /// thread (two thread wake-ups), nullopt falls back to `bearer_token`. Must never block.
  std::function<std::optional<std::string>()> cached_bearer_token;
  /// Called (on the token thread) after a 401 before the single retry, so a caching token
  /// source can drop its cached token. May be empty (then a 401 is returned as is).
  std::function<void()> invalidate_token;

  /// User-Agent header value.
  std::string user_agent = "kelos/0.1.0";

  /// Bound for connecting TCP. Caveat: name resolution (getaddrinfo) is bounded by no timeout
  /// (instant for IP literals such as 127.0.0.1; `send_sync` still returns after its timeout).
  std::chrono::milliseconds connect_timeout{10000};
  /// Bound for the TLS handshake (same as Go's TLSHandshakeTimeout: 10 s).
  std::chrono::milliseconds tls_handshake_timeout{10000};
  /// Bound for writing a request.
  std::chrono::milliseconds write_timeout{30000};
  /// Bound between sending a request and receiving the complete response header.
  std::chrono::milliseconds response_header_timeout{60000};
  /// Streams only: the longest gap between two body reads before the stream fails with
  /// `errc::timeout`. Longer than the API server's default watch timeout plus bookmarks.
  std::chrono::milliseconds stream_idle_timeout{std::chrono::minutes{6}};
  /// Non-streaming requests only: bound of the whole request including connect and body.
  std::chrono::milliseconds total_timeout{std::chrono::seconds{60}};

  /// Most idle keep-alive connections kept; 0 disables reuse.
  std::size_t max_idle_connections = 8;
  /// Idle pooled connections older than this are closed instead of reused (Go: 90 s).
  std::chrono::milliseconds idle_connection_timeout{std::chrono::seconds{90}};
  /// A pooled connection that has been idle at least this long is probed (a non-blocking
  /// `MSG_PEEK`) before reuse, so that a request is not written to a connection the server
  /// has closed (idle timeouts are seconds long). One reused sooner is not probed: under load
  /// that saves a system call per request. If the server did close it within this window,
  /// the request fails before any response byte and the stale-connection retry rules apply
  /// (see "Connection handling"). 0 probes every reuse.
  std::chrono::milliseconds probe_idle_after{100};
  /// Number of I/O threads; at least 1.
  std::size_t io_threads = 1;
  /// Largest accepted non-streaming body (a larger one fails with `errc::http_error`).
  uint64_t max_body_bytes = 256ull << 20;
};

/// Checks scheme, host, thread count and timeouts. Errors are `errc::invalid_config`.
kelos::expected<void> validate(const transport_config& cfg);

/// Callbacks of one streaming request. All run on an I/O thread; each may be empty.
struct stream_callbacks {
  /// The status line and headers arrived (once, before any `on_data`). Non-2xx responses
  /// are delivered too; their body then follows through `on_data`.
  std::function<void(int status, const std::vector<std::pair<std::string, std::string>>& headers)>
    on_response_head;
  /// Body bytes as they arrive, de-chunked, in arbitrary splits (not line aligned).
  std::function<void(std::string_view chunk)> on_data;
  /// Called exactly once at the end: an empty error (`code == errc::none`) on a clean end of the
  /// body, `errc::cancelled` after `stream_handle::cancel()`, otherwise connection_failed/timeout
  /// (or the bearer token source's own error).
  std::function<void(kelos::error)> on_done;
};

namespace detail {
class stream_control;
} // namespace detail

/// Controls one stream. Copyable; all copies refer to the same stream. A default-constructed
/// handle refers to nothing and `cancel()` is a no-op.
class stream_handle {
public:
  stream_handle() = default;
  /// Internal: made by `http_client::stream`.
  explicit stream_handle(std::shared_ptr<detail::stream_control> ctl) : ctl_(std::move(ctl)) {}
  /// Ends the stream: thread-safe, idempotent, never blocks. `on_done(errc::cancelled)`
  /// follows on an I/O thread unless the stream had already ended. An `on_data` call that is
  /// already running when `cancel()` is called may still complete; no new one starts after it.
  void cancel();
  /// True until `on_done` has been called.
  bool active() const;

private:
  std::shared_ptr<detail::stream_control> ctl_;
};

/// Counters for tests and metrics. Monotonic.
struct http_client_stats {
  /// TCP connections opened (successfully connected).
  uint64_t connections_opened = 0;
  /// Requests that were sent on a pooled (reused) connection.
  uint64_t connections_reused = 0;
  /// Requests retried because a pooled connection was stale.
  uint64_t stale_retries = 0;
  /// Requests retried after a 401 with a fresh token.
  uint64_t auth_retries = 0;
  /// Attempts that used the token from `cached_bearer_token` (no token-thread round trip).
  uint64_t cached_tokens = 0;
  /// Pooled connections probed for liveness before reuse (see `probe_idle_after`).
  uint64_t idle_probes = 0;
};

/// An HTTP(S) client for one endpoint with its own I/O threads and keep-alive pool.
///
/// Caveats: destroying the client cancels every pending request and stream (their callbacks run
/// with `errc::cancelled` during destruction) and joins its threads; it must not be destroyed on
/// one of its own I/O threads or from inside a callback.
class http_client {
public:
  /// Validates `cfg`, builds the TLS context (errors name the bad PEM) and starts the threads.
  static kelos::expected<std::unique_ptr<http_client>> make(transport_config cfg);

  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends a request and calls `done` once on an I/O thread with the complete response (any
  /// status) or an error (connection_failed, timeout, cancelled, http_error for an oversized
  /// body, or the bearer token source's own error). Messages start with the method and path and
  /// name the failed step, e.g. "GET /version: connect 127.0.0.1:6443: Connection refused".
  /// `req.streaming` is ignored here: the whole body is buffered.
  void send(http_request req, std::function<void(kelos::expected<http_response>)> done);

  /// Starts a streaming request (watch, log follow): the body is delivered as it arrives with
  /// no size limit and with `stream_idle_timeout` between reads, and no total timeout.
  stream_handle stream(http_request req, stream_callbacks callbacks);

  /// Blocking convenience for the CLI: sends and waits at most `timeout` (which also bounds the
  /// request). Must not be called on an I/O thread (returns `errc::logic_error` if it is).
  kelos::expected<http_response> send_sync(http_request req, std::chrono::milliseconds timeout);

  /// "scheme://host:port", for messages.
  std::string endpoint() const;

  /// A snapshot of the counters.
  http_client_stats stats() const;

  /// Internal implementation (public only so that the implementation files can name it).
  class impl;

private:
  explicit http_client(std::shared_ptr<impl> p);
  std::shared_ptr<impl> impl_;
};

} // namespace kelos::k8s
