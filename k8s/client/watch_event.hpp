#pragma once

#include "k8s/client/field_filter.hpp"
#include "k8s/json.hpp"
#include "k8s/status.hpp"
#include "runtime/error.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace kelos::k8s {

/// The `type` of a watch event.
enum class watch_event_type { added, modified, deleted, bookmark, error };

/// "ADDED", "MODIFIED", "DELETED", "BOOKMARK" or "ERROR".
std::string_view to_string(watch_event_type type) noexcept;

/// One decoded line of a watch stream: `{"type":…,"object":{…}}`.
///
/// For ADDED/MODIFIED/DELETED `object` is the full object (DELETED carries its last
/// state). For BOOKMARK only `metadata.resourceVersion` (and, for WatchList, the
/// `k8s.io/initial-events-end` annotation) is meaningful. For ERROR it is a Status.
struct watch_event {
  watch_event_type type = watch_event_type::added;
  json object;

  /// `object.metadata.resourceVersion`, or empty.
  std::string resource_version() const;
  /// The Status of an ERROR event; nullopt for other types or a non-Status object.
  std::optional<api_status> error_status() const;
  /// True for an ERROR event whose Status has code 410 (Expired/Gone): the resource
  /// version is too old and the client must relist.
  bool is_gone() const;
  /// True for a BOOKMARK annotated `k8s.io/initial-events-end: "true"` (end of the
  /// WatchList replay).
  bool is_initial_events_end() const;
};

/// Decodes one NDJSON line. Errors (`parse_error`): invalid JSON, a missing or unknown
/// `type`, or an `object` that is not a JSON object. Never throws.
kelos::expected<watch_event> decode_watch_event(std::string_view line);

/// Builds the filter for a whole watch line from a filter for its object (e.g.
/// `object_filter({"status"})`): keeps `type` and applies `object` to `object`.
filter_node watch_event_filter(filter_node object);

/// Like `decode_watch_event(line)` but builds only what `event_filter` (from
/// `watch_event_filter`) keeps — the fast path for caches of compact views.
kelos::expected<watch_event> decode_watch_event(std::string_view line, const filter_node& event_filter);

/// Turns a failed ERROR event into an error value: `gone` for 410, otherwise the code
/// mapped from the Status (falls back to `http_error`).
kelos::error error_of(const watch_event& ev);

/// `object.metadata.resourceVersion` of any object, or empty.
std::string resource_version_of(const json& object);

} // namespace kelos::k8s
