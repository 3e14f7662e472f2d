#pragma once

#include "runtime/error.hpp"

#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <string>

namespace kelos::apiserver {

class object_store;
class pod_log_store;

/// Settings of an embedded Kubernetes-compatible API server.
struct api_server_config {
  /// Listen address (loopback only in tests).
  std::string address = "127.0.0.1";
  /// 0 picks a free port (read it back with `port()`).
  uint16_t port = 0;
  /// Serve HTTPS with a CA generated at start (certificate SANs 127.0.0.1, localhost).
  bool tls = false;
  /// Durability directory (WAL + snapshots); empty = memory only.
  std::string data_dir;
  /// `/version` minor; the kubectl dispatcher runs kubectl 1.<minor> for it.
  std::string version_minor = "32";
  /// Events kept for watch replay; an older resourceVersion gets 410 Gone.
  std::size_t event_log_size = 10000;
  /// Events queued per watcher; a watcher that falls this far behind gets 410 and is closed.
  std::size_t watch_queue_size = 10000;
  /// Feature switches (spec row 15): OpenAPI v3, aggregated discovery, Table output.
  bool openapi = true;
  bool aggregated_discovery = true;
  bool table = true;
  /// Request bodies above this get 413.
  std::size_t max_body_bytes = 3 * 1024 * 1024;
  /// Interval of BOOKMARK events on watches that allow them.
  std::chrono::milliseconds bookmark_interval{2000};
  /// While watch events keep coming, they are sent at most once per this interval (a burst
  /// goes out as a few writes, not one per event); an event after a quiet interval goes out
  /// at once. 0 (the default) sends each event as soon as the stream pump wakes. Off by
  /// default: see docs/apiserver.md for what 1000 µs gains and what it costs the controller.
  std::chrono::microseconds watch_batch_interval{0};
  /// fsync every WAL append (off only for benchmarks).
  bool fsync = true;
  /// Io threads of the HTTP front. Handlers run on them; a write does not hold its thread
  /// while its WAL record syncs (the response waits, the connection reads on), so two
  /// threads serve many connections and more only add contention on the store's mutex.
  int io_threads = 2;
  /// Test hook: replaces the WAL's fdatasync (see `store_config::wal_sync_hook`).
  std::function<int(int)> wal_sync_hook;
};

/// The embedded API server: object store + HTTP front + CRD controller + log streams.
///
/// Guarantees:
/// 1. After `start` returns, the port accepts connections and every built-in resource is
///    served; custom resources appear when CRDs are created.
/// 2. `stop()` closes every watch and log stream with the terminating chunk, then stops
///    the io threads. Idempotent; the destructor calls it.
class api_server {
public:
  /// Opens the store (replaying `data_dir` when set), creates TLS material when asked,
  /// binds and starts serving.
  static expected<std::unique_ptr<api_server>> start(api_server_config config);
  ~api_server();
  api_server(const api_server&) = delete;
  api_server& operator=(const api_server&) = delete;

  /// The bound port.
  uint16_t port() const;
  /// "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
  std::string url() const;
  /// The CA certificate (PEM) clients must trust; empty without TLS.
  const std::string& ca_pem() const;
  /// Writes a kubeconfig for this server (cluster with certificate-authority-data under
  /// TLS, a token user, namespace default) with mode 0600.
  expected<void> write_kubeconfig(const std::string& path,
                                  const std::string& context_name = "kelos-local") const;

  /// Direct store access for tests and local mode (drive pod/job status, read objects).
  object_store& store();
  /// Pod log text served by `pods/log` (the local node appends and finishes containers).
  pod_log_store& logs();

  /// Graceful stop (see class comment).
  void stop();

  /// Internal state (defined in api_server.cpp).
  struct impl;

private:
  explicit api_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace kelos::apiserver
