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
#include <unordered_map>

namespace kelos::apiserver {

/// Renders watch events once per (event, output form) and shares the bytes between
/// watchers: a store event fanned out to N watchers of the same resource and format costs
/// one serialisation, not N.
///
/// Guarantees:
/// 1. `render` returns exactly what `render_watch_event` returns for the same arguments.
/// 2. Two calls share bytes only when every input of the rendering is the same: the event
///    object (by identity: the store never mutates a published object), its type and RV
///    (selector transitions turn MODIFIED into ADDED/DELETED and DELETED carries a
///    different RV), the served resource (apiVersion rewrite, Table columns), and the
///    form (JSON or Table, Table version, column definitions or not).
/// 3. BOOKMARK and ERROR events are never cached (each watcher has its own object).
/// 4. Memory is bounded: entries live for at most two generations (`next_generation`,
///    called once per pump round) and a generation is cut early past `max_entries` or
///    `max_bytes`. Cached entries keep their event object and resource alive, so a key's
///    addresses cannot be reused while the entry exists.
///
/// Not thread-safe: owned by the pump thread.
class watch_render_cache {
public:
  /// Entries in one generation before it is cut early.
  static constexpr std::size_t max_entries = 4096;
  /// Rendered bytes in one generation before it is cut early.
  static constexpr std::size_t max_bytes = 32 * 1024 * 1024;

  /// The wire line for `ev` as `res` in the given form (see `render_watch_event`). The
  /// reference is valid until the next call of `render` or `next_generation`.
  const std::string& render(const watch_event& ev, const std::shared_ptr<const catalog_entry>& res,
                            bool table, const std::string& table_version, bool with_columns);
  /// Starts a new generation: entries not used since the previous call are dropped.
  void next_generation();
  /// Calls answered from the cache.
  uint64_t hits() const noexcept { return hits_; }
  /// Calls that rendered (cache misses, bookmarks and errors).
  uint64_t misses() const noexcept { return misses_; }

private:
  struct key {
    const json* object = nullptr;
    int64_t rv = 0;
    watch_event_type type = watch_event_type::added;
    const catalog_entry* resource = nullptr;
    bool table = false;
    bool with_columns = false;
    std::string table_version;
    bool operator==(const key& o) const noexcept {
      return object == o.object && rv == o.rv && type == o.type && resource == o.resource &&
             table == o.table && with_columns == o.with_columns && table_version == o.table_version;
    }
  };
  struct key_hash {
    std::size_t operator()(const key& k) const noexcept;
  };
  struct entry {
    std::shared_ptr<const json> object;
    std::shared_ptr<const catalog_entry> resource;
    std::string bytes;
  };
  using map = std::unordered_map<key, entry, key_hash>;

  map current_;
  map previous_;
  std::size_t current_bytes_ = 0;
  std::string scratch_;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

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
/// 3a. Each event is serialised once per output form (`watch_render_cache`), not once per
///    watcher; the events a watcher has queued in one round go out as one chunk write.
///    A watch that is the only one of its resource renders without the cache: nobody
///    could share its bytes, and caching them would only cost a copy and a free.
/// 4. `close_all()` ends every stream with the terminating chunk.
/// 5. Watches of a custom resource end (terminating chunk) once its CRD is deleted.
/// 6. While events keep arriving, the pump drains at most once per `batch_interval`, so a
///    burst goes out as a few chunk writes rather than one wake-up and one write per event.
///    An event that follows a quiet `batch_interval` is sent as soon as the pump wakes; a
///    busy watcher's events wait at most `batch_interval` longer. 0 turns batching off.
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
    /// The pods resource and the followed pod's uid: the stream ends once that pod is
    /// gone (deleted, or replaced by a new pod of the same name), as a kubelet's does.
    std::shared_ptr<const catalog_entry> resource;
    std::string uid;
    pod_log_store::read_options options;
    std::size_t next = 0;
    std::shared_ptr<chunk_sink> sink;
  };

  /// `catalog` (optional) lets the pump end watches of resources whose CRD was deleted.
  /// `batch_interval`: see guarantee 6.
  stream_pump(object_store& store, pod_log_store& logs, std::chrono::milliseconds bookmark_interval,
              const resource_catalog* catalog = nullptr,
              std::chrono::microseconds batch_interval = std::chrono::microseconds(0));
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
    /// Another watch of the same resource exists: its renderings go through the cache.
    bool shared = true;
    bool sent_columns = false;
    std::chrono::steady_clock::time_point last_bookmark;
  };
  void wake();
  void run();
  bool step_watch(watch_state& w, std::chrono::steady_clock::time_point now);
  const std::string& render(watch_state& w, const watch_event& ev, bool with_columns);
  static void mark_shared(std::list<watch_state>& watches);
  void drain_watch(watch_state& w);
  bool step_log(log_job& l);

  object_store& store_;
  pod_log_store& logs_;
  const resource_catalog* catalog_ = nullptr;
  std::chrono::milliseconds bookmark_interval_;
  std::chrono::microseconds batch_interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  bool stopping_ = false;
  std::list<watch_state> new_watches_;
  std::list<log_job> new_logs_;
  /// Pump thread only.
  watch_render_cache render_cache_;
  std::string direct_;
  std::thread thread_;
};

/// Renders one watch event as its wire line for `res` (object or Table row):
/// `{"object":...,"type":"..."}\n`. Copies the event object only when it must change
/// (apiVersion of another served version, missing kind, RV of a selector-transition
/// DELETED, Table rows).
std::string render_watch_event(const watch_event& ev, const catalog_entry& res, bool table,
                               const std::string& table_version, bool with_columns);

} // namespace kelos::apiserver
