#pragma once

#include "k8s/client/http_message.hpp"
#include "k8s/json.hpp"
#include "k8s/resource_registry.hpp"
#include "runtime/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/// Pure builders of Kubernetes API requests (the kube-rs `kube-core/src/request.rs` idea):
/// every function returns an `http_request` value and sends nothing. Paths come from
/// `resource_info`; empty optional fields are left out of the query. Every request asks
/// for `Accept: application/json`. Query parameters appear in a fixed order so tests
/// and logs are stable.
namespace kelos::k8s {

/// Options of a list call (`GET collection`).
struct list_options {
  /// e.g. "app in (a,b),tier=web"; sent as `labelSelector`.
  std::string label_selector;
  /// e.g. "metadata.name=x"; sent as `fieldSelector`.
  std::string field_selector;
  /// Page size; 0 = no `limit` (the whole list in one response).
  int64_t limit = 0;
  /// Token from the previous page's `metadata.continue`. Must not be combined with a
  /// resource_version (the API server answers 400).
  std::string continue_token;
  /// "" = most recent (consistent read), "0" = any (served from cache), else a version.
  std::string resource_version;
  /// "", "Exact" or "NotOlderThan"; only meaningful with a resource_version.
  std::string resource_version_match;
};

/// Options of a watch call (`GET collection?watch=true`).
struct watch_options {
  /// Start point. "" = synthetic ADDED for every object then changes; "0" = same, from
  /// any cached state; else only changes after this version (may fail with 410).
  std::string resource_version;
  /// Ask for BOOKMARK events (they only carry a newer resourceVersion).
  bool allow_bookmarks = true;
  /// Server-side timeout; 0 = not sent (the server picks one). client-go uses 5–10 min.
  int64_t timeout_seconds = 0;
  /// `labelSelector`; objects that start or stop matching arrive as ADDED / DELETED.
  std::string label_selector;
  /// `fieldSelector`, e.g. "metadata.name=x".
  std::string field_selector;
  /// WatchList: replay current state as ADDED events and end it with a BOOKMARK
  /// annotated `k8s.io/initial-events-end: "true"`. Implies
  /// `resourceVersionMatch=NotOlderThan` unless resource_version_match is set.
  bool send_initial_events = false;
  /// "", "Exact" or "NotOlderThan".
  std::string resource_version_match;
};

/// Options shared by create, update and patch.
struct write_options {
  /// `fieldManager` query parameter; empty = not sent (the server derives one).
  std::string field_manager;
  /// `dryRun=All`: validate and return the result without persisting.
  bool dry_run = false;
};

/// The patch formats the API server accepts (the Content-Type selects one).
enum class patch_type {
  /// RFC 7386 JSON merge patch, `application/merge-patch+json`.
  merge,
  /// RFC 6902 JSON patch, `application/json-patch+json`. Not idempotent (array ops).
  json,
  /// Strategic merge patch, `application/strategic-merge-patch+json`. Built-in kinds only;
  /// custom resources answer 415.
  strategic,
  /// Server-side apply, `application/apply-patch+yaml`. Requires a field manager.
  apply,
};

/// The Content-Type header value of a patch type.
std::string_view content_type(patch_type type) noexcept;

/// Options of a patch call.
struct patch_options {
  /// `fieldManager`; required for `patch_type::apply` (an empty one gives an error).
  std::string field_manager;
  /// `force=true`: server-side apply takes ownership of conflicting fields. Only sent
  /// for `patch_type::apply`.
  bool force = false;
  /// `dryRun=All`: validate and return the result without persisting.
  bool dry_run = false;
};

/// Options of a delete call, sent as a `DeleteOptions` JSON body.
struct delete_options {
  /// "", "Orphan", "Background" or "Foreground".
  std::string propagation_policy;
  /// Precondition: delete only if the object still has this uid.
  std::string precondition_uid;
  /// Precondition: delete only if the object still has this resourceVersion (409 otherwise).
  std::string precondition_resource_version;
  /// Grace period; unset = the object's default.
  std::optional<int64_t> grace_period_seconds;
};

/// Options of a pod log read (`GET …/pods/<name>/log`).
struct log_options {
  /// Container name; empty = the only container (the server rejects it for multi-container pods).
  std::string container;
  /// Only the last N lines.
  std::optional<int64_t> tail_lines;
  /// Only lines newer than this many seconds.
  std::optional<int64_t> since_seconds;
  /// RFC 3339 time; the server rejects it together with since_seconds.
  std::string since_time;
  /// Stream new lines as they are written (the request becomes `streaming`).
  bool follow = false;
  /// Prefix each line with an RFC 3339 timestamp.
  bool timestamps = false;
};

/// `GET` one object.
http_request get_request(const resource_info& res, std::string_view ns, std::string_view name);

/// `GET` the collection (one page when `opts.limit` > 0). `ns` empty on a namespaced
/// resource lists all namespaces.
http_request list_request(const resource_info& res, std::string_view ns, const list_options& opts = {});

/// `GET collection?watch=true`; `streaming` is set and the response is NDJSON watch events.
http_request watch_request(const resource_info& res, std::string_view ns, const watch_options& opts = {});

/// `POST` a new object. `object` should carry apiVersion, kind and metadata. Not idempotent:
/// a retry after a lost response can give 409 AlreadyExists.
http_request create_request(const resource_info& res, std::string_view ns, const json& object,
                            const write_options& opts = {});

/// `PUT` a whole object. Optimistic concurrency comes from `metadata.resourceVersion` in
/// `object` (a stale one gives 409 Conflict); the builder does not touch the body.
http_request update_request(const resource_info& res, std::string_view ns, std::string_view name,
                            const json& object, const write_options& opts = {});

/// `PUT …/status`: replaces only the status (spec changes in `object` are ignored by the server).
http_request update_status_request(const resource_info& res, std::string_view ns, std::string_view name,
                                   const json& object, const write_options& opts = {});

/// `PATCH` an object (or `subresource`, e.g. "status") with a body already serialized in
/// the format of `type`. Errors: `invalid_spec` for apply without field manager.
kelos::expected<http_request> patch_request(const resource_info& res, std::string_view ns,
                                            std::string_view name, patch_type type, std::string body,
                                            const patch_options& opts = {},
                                            std::string_view subresource = {});

/// `DELETE` an object. The body is a `DeleteOptions` JSON object, omitted when every
/// option is empty. Idempotent: a retried delete may answer 404, which callers treat as done.
http_request delete_request(const resource_info& res, std::string_view ns, std::string_view name,
                            const delete_options& opts = {});

/// The `DeleteOptions` body for `opts` (an empty object when nothing is set).
json delete_options_body(const delete_options& opts);

/// `GET /api/v1/namespaces/<ns>/pods/<name>/log`; `streaming` when `opts.follow`. The
/// response is plain text, not JSON.
http_request pod_logs_request(std::string_view ns, std::string_view name, const log_options& opts = {});

} // namespace kelos::k8s
