#pragma once

#include "k8s/apiserver/http_message.hpp"
#include "k8s/apiserver/object_store.hpp"
#include "k8s/apiserver/pod_logs.hpp"
#include "k8s/apiserver/resource_catalog.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

namespace kelos::apiserver {

/// Moves data from the store's watch queues and the pod log store to HTTP chunk sinks, on
/// one background thread. It owns the per-stream timers: `timeoutSeconds` deadlines,
/// periodic BOOKMARK requests, and log-follow polling.
///
/// Guarantees:
/// 1. Each watch event becomes one JSON line (`{"type":...,"object":...}\n`); Table
///    watches get a one-row Table per event (column definitions on the first only).
/// 2. A client that goes away is noticed (sink closed) and its watch unregistered.
/// 3. A slow client is not buffered without bound: while its socket has more than
///    `max_pending_bytes` queued, its store queue is left to fill up, and the store then
///    ends the watch with ERROR 410 (no silent loss).
/// 4. `close_all()` ends every stream with the terminating chunk.
/// 5. Watches of a custom resource end (terminating chunk) once its CRD is deleted.
class stream_pump {
public:
  /// One watch being streamed.
  struct watch_job {
    std::shared_ptr<watch_stream> stream;
    std::shared_ptr<chunk_sink> sink;
    std::shared_ptr<const catalog_entry> resource;
    /// Send Table rows (meta.k8s.io `table_version`) instead of objects.
    bool table = false;
    std::string table_version = "v1";
    bool bookmarks = false;
    std::chrono::steady_clock::time_point deadline;
  };
  /// One `logs -f` being streamed.
  struct log_job {
    std::string ns, pod, container;
    pod_log_store::read_options options;
    std::size_t next = 0;
    std::shared_ptr<chunk_sink> sink;
  };

  /// `catalog` (optional) lets the pump end watches of resources whose CRD was deleted.
  stream_pump(object_store& store, pod_log_store& logs, std::chrono::milliseconds bookmark_interval,
              const resource_catalog* catalog = nullptr);
  ~stream_pump();
  stream_pump(const stream_pump&) = delete;
  stream_pump& operator=(const stream_pump&) = delete;

  /// Starts streaming a watch (called once the response header is out).
  void add_watch(watch_job job);
  /// Starts streaming a followed log.
  void add_log(log_job job);
  /// Ends every stream with its terminating chunk and unregisters the watches.
  void close_all();
  /// Stops the thread (after `close_all`). Idempotent.
  void stop();

  /// Bytes queued on a socket above which the pump stops draining that watch.
  static constexpr std::size_t max_pending_bytes = 8 * 1024 * 1024;

private:
  struct watch_state {
    watch_job job;
    bool sent_columns = false;
    std::chrono::steady_clock::time_point last_bookmark;
  };
  void wake();
  void run();
  bool step_watch(watch_state& w, std::chrono::steady_clock::time_point now);
  bool step_log(log_job& l);

  object_store& store_;
  pod_log_store& logs_;
  const resource_catalog* catalog_ = nullptr;
  std::chrono::milliseconds bookmark_interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  bool stopping_ = false;
  std::list<watch_state> new_watches_;
  std::list<log_job> new_logs_;
  std::thread thread_;
};

/// Renders one watch event as its wire line for `res` (object or Table row).
std::string render_watch_event(const watch_event& ev, const catalog_entry& res, bool table,
                               const std::string& table_version, bool with_columns);

} // namespace kelos::apiserver
