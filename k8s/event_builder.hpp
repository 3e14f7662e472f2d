#pragma once

/// core/v1 Events as client-go's recorder writes them (`tools/record`), built purely, and
/// the correlator that turns repeats into count patches instead of new objects.
///
/// Expected flow for one event:
/// 1. `build_event(...)` makes the Event object.
/// 2. `correlator.observe(event, now)` says `event_create` (POST the object) or
///    `event_patch{name, count}` (PATCH `events/<name>` with `event_patch_body`).
/// 3. If the PATCH answers 404 (the Event expired; the API server's default TTL is 1 h),
///    call `correlator.forget(event)` and `observe` again, which then answers
///    `event_create`. If any other write fails, call `forget` too, so that the next
///    occurrence does not patch an object that was never written.
///
/// Differences from client-go:
/// - The name suffix is a caller-supplied 64-bit value (client-go: UnixNano), so names are
///   reproducible in tests; `event_name_sequence` gives UnixNano-like unique values.
/// - Repeats are merged only within `window` (10 minutes) of the previous occurrence;
///   client-go merges identical events for as long as its LRU cache holds them.
/// - client-go's spam filter and "(combined from similar events)" aggregation of events
///   that differ only in message are not reproduced.
/// - The message is cut to 1024 bytes (at a UTF-8 boundary), the events.k8s.io limit.

#include "k8s/json.hpp"
#include "k8s/time.hpp"

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

namespace kelos::k8s {

/// What an Event's `involvedObject` names.
struct object_ref_with_uid {
  std::string api_version;
  std::string kind;
  /// Empty for cluster-scoped objects (the Event then goes to "default").
  std::string namespace_;
  std::string name;
  std::string uid;
  /// Optional: omitted from the Event when empty.
  std::string resource_version;
};

/// Reads the reference from an object's `apiVersion`, `kind` and `metadata`.
object_ref_with_uid involved_ref_of(const json& object);

/// Longest `message` kept, in bytes.
inline constexpr std::size_t max_event_message_bytes = 1024;

/// `text` cut to at most `max_bytes` bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

/// Builds a core/v1 Event:
/// - `metadata.name` `<involved name>.<name_suffix as 16 lower-case hex digits>`,
///   `metadata.namespace` the involved object's (or "default");
/// - `involvedObject` {apiVersion, kind, namespace, name, uid, resourceVersion}, empty
///   fields omitted;
/// - `reason`, `message` (see `truncate_utf8`), `type`;
/// - `firstTimestamp` = `lastTimestamp` = `now` (whole seconds), `count` 1;
/// - `source.component` = `reportingComponent` = `component` ("kelos-controller" for
///   the controller), `source.host` = `reportingInstance` = `instance` when not empty.
/// `eventTime` is left out, as the legacy recorder does (the API server then checks that
/// the Event's namespace matches the involved object's).
/// `type` should be "Normal" or "Warning" (`valid_event_type`); it is not checked here.
json build_event(const object_ref_with_uid& involved, std::string_view type, std::string_view reason,
                 std::string_view message, time_point now, std::string_view component,
                 std::string_view instance, uint64_t name_suffix);

/// Same, with the reference read from the involved object itself (`involved_ref_of`).
json build_event(const json& involved_object, std::string_view type, std::string_view reason,
                 std::string_view message, time_point now, std::string_view component,
                 std::string_view instance, uint64_t name_suffix);

/// "Normal" or "Warning" (client-go drops events of any other type).
bool valid_event_type(std::string_view type);

/// Unique, increasing name suffixes in the style of client-go (Unix nanoseconds), even
/// for several events within one clock tick. Thread-safe.
class event_name_sequence {
public:
  uint64_t next(time_point now);

private:
  std::mutex mutex_;
  uint64_t last_ = 0;
};

/// Identifies "the same event": reporting component and instance, the involved object
/// (apiVersion, kind, namespace, name, uid), type, reason and message. Fields are
/// separated by NUL so that no two different tuples share a key.
std::string event_aggregation_key(const json& event);

/// POST the built Event.
struct event_create {
  friend bool operator==(const event_create&, const event_create&) = default;
};

/// PATCH the existing Event `name` (in the built Event's namespace) to `count`.
struct event_patch {
  std::string name;
  int64_t count = 0;
  friend bool operator==(const event_patch&, const event_patch&) = default;
};

using event_action = std::variant<event_create, event_patch>;

/// The merge patch (also a valid strategic merge patch) for a repeat:
/// `{"count": count, "lastTimestamp": now}`.
json event_patch_body(int64_t count, time_point now);

/// Remembers the last Event written per aggregation key and decides create vs. patch.
/// Not thread-safe: owned by one actor.
class event_correlator {
public:
  /// `window`: a repeat later than this after the previous occurrence starts a new
  /// Event. `max_entries`: least recently seen keys beyond this are forgotten (client-go
  /// keeps 4096).
  explicit event_correlator(std::chrono::seconds window = std::chrono::minutes{10},
                            std::size_t max_entries = 4096);

  /// Decides for `event` (from `build_event`) at `now` and records the occurrence:
  /// `event_create` the first time or after the window (the event's own name is then
  /// remembered), otherwise `event_patch` with the remembered name and the next count.
  event_action observe(const json& event, time_point now);

  /// Drops what is known about `event`'s key (its write failed or its object is gone).
  void forget(const json& event);

  /// Keys currently remembered.
  std::size_t size() const { return index_.size(); }

private:
  struct entry {
    std::string key;
    std::string name;
    int64_t count = 0;
    time_point last_seen;
  };
  std::chrono::seconds window_;
  std::size_t max_entries_;
  std::list<entry> lru_; // most recently seen first
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
};

} // namespace kelos::k8s
