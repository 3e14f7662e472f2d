#pragma once

#include "k8s/apiserver/api_error.hpp"
#include "k8s/apiserver/selectors.hpp"
#include "k8s/json.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace kelos::apiserver {

class stored_object;

/// Watch event types as they appear on the wire (`ADDED`, ...).
enum class watch_event_type { added, modified, deleted, bookmark, error };

/// "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR".
const char* to_string(watch_event_type t) noexcept;

/// One event of a watch stream. `object` is shared with the store's event log (never mutated).
/// For ERROR it is a Status body; for BOOKMARK an object of the watched kind carrying only
/// `metadata.resourceVersion` (and the `k8s.io/initial-events-end` annotation after the
/// initial events of a `sendInitialEvents` watch).
struct watch_event {
  watch_event_type type = watch_event_type::added;
  std::shared_ptr<const json> object;
  /// The event's resource version (equals the object's RV except for selector-transition
  /// DELETED events, whose object is the previous version; the wire object of such an
  /// event must carry this RV — `wire_object()` produces it).
  int64_t rv = 0;
  /// The committed form of `object` when the event carries the object exactly as stored
  /// (its text is `object` serialized), else null. Lets the HTTP layer send that text
  /// instead of serializing the tree again.
  std::shared_ptr<const stored_object> stored = nullptr;

  /// `{"type": ..., "object": ...}` as the HTTP layer streams it (one line per event).
  json to_json() const;
  /// The object as it must be sent: `object` with `metadata.resourceVersion` = `rv`.
  json wire_object() const;
};

/// A bounded, thread-safe queue of watch events for one watcher: the store pushes (never
/// blocking), the HTTP layer pops.
///
/// Guarantees:
/// 1. Events arrive in strictly increasing RV order (bookmarks may repeat the last RV).
/// 2. No silent loss: when the queue is full, the watcher gets one ERROR 410 event
///    (`too old resource version`) after the events already queued and the stream is closed.
/// 3. After `close()` (by the store on overflow, by `store.stop_watch`, or by the consumer)
///    no further events are accepted; queued events can still be popped.
class watch_stream {
public:
  /// `capacity` bounds queued events (the terminal ERROR may exceed it by one).
  explicit watch_stream(size_t capacity);

  /// Waits up to `timeout` for the next event. Returns nullopt on timeout, or when the
  /// stream is closed and drained (check `closed()`).
  std::optional<watch_event> next(std::chrono::milliseconds timeout);
  /// Non-blocking pop.
  std::optional<watch_event> try_next();
  /// Whether the stream is closed (no more events will be added).
  bool closed() const;
  /// Whether the stream is closed and every event was popped.
  bool finished() const;
  /// Number of queued events.
  size_t size() const;
  /// Closes the stream (idempotent); wakes waiters and the notify callback.
  void close();
  /// Registers a callback invoked whenever events become available or the stream closes.
  /// It runs on the writer's thread, outside this stream's lock but possibly while the
  /// store's lock is held: it must not block and must not call the store (it may call
  /// `try_next`/`size` on this stream). Lets an asio strand be posted instead of polling.
  /// Replaces any earlier callback.
  void set_notify(std::function<void()> fn);

  // --- producer side (used by the store) ---
  /// Enqueues an event; on overflow enqueues ERROR 410 instead and closes. Returns false
  /// when the stream is (now) closed.
  bool push(watch_event ev);

private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<watch_event> queue_;
  size_t capacity_;
  bool closed_ = false;
  std::shared_ptr<const std::function<void()>> notify_;
};

/// Options of a watch request (query parameters of `?watch=true`).
struct watch_options {
  /// "" or "0": synthetic ADDED for current objects, then live changes. Otherwise: changes
  /// after that RV, replayed from the event log; older than the log floor → one ERROR 410.
  std::string resource_version;
  std::string label_selector;
  std::string field_selector;
  /// WatchList: after the initial ADDED events send a BOOKMARK annotated
  /// `k8s.io/initial-events-end: "true"`.
  bool send_initial_events = false;
  /// Whether `request_bookmark` produces BOOKMARK events (allowWatchBookmarks).
  bool allow_bookmarks = false;
  /// Queue capacity; 0 = the store's default.
  size_t queue_capacity = 0;
};

} // namespace kelos::apiserver
