#pragma once

#include "k8s/apiserver/api_error.hpp"
#include "k8s/apiserver/selectors.hpp"
#include "k8s/apiserver/watch_hub.hpp"
#include "k8s/json.hpp"
#include "k8s/resource_registry.hpp"
#include "k8s/time.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kelos::apiserver {

/// Configuration of an `object_store`.
struct store_config {
  /// Directory for the write-ahead log and snapshots; empty = memory only.
  std::string data_dir;
  /// fsync every WAL append before acknowledging the write (off only for benchmarks).
  bool fsync = true;
  /// Compact the WAL into a snapshot once it holds this many records since the last
  /// snapshot, and at least as many as there are live objects: a snapshot writes every
  /// object, so a large store snapshots less often and each write's share of the cost stays
  /// bounded (recovery then replays at most about as many records as the snapshot holds).
  /// 0 = never compact automatically.
  size_t compact_every = 10000;
  /// Number of past events kept for watch replay and consistent continue pages. Older
  /// resource versions get 410 (`--compact-window`); 0 keeps none.
  size_t event_log_capacity = 10000;
  /// Default per-watcher queue capacity.
  size_t watch_queue_capacity = 10000;
  /// Create `default`, `kube-system`, `kube-public`, `kube-node-lease` if absent.
  bool create_default_namespaces = true;
  /// Clock for creation/deletion timestamps (tests inject a fixed one). Null = `k8s::now`.
  std::function<k8s::time_point()> clock;
  /// Test hook: replaces `fdatasync(fd)` in WAL group commits (0 = success, -1 + errno =
  /// failure). Null = the real fdatasync.
  std::function<int(int)> wal_sync_hook;
};

/// Durability counters of a store with a data dir (all zero without one).
struct durability_stats {
  /// WAL records appended since open.
  uint64_t records = 0;
  /// fdatasync calls of group commits since open (fewer than `records` when writes share).
  uint64_t syncs = 0;
  /// Automatic log compactions (rotation plus snapshot) started since open.
  uint64_t compactions = 0;
  /// A background snapshot is being written now.
  bool compacting = false;
  /// Writes that failed because the WAL could not be written or synced.
  int64_t failures = 0;
  /// The WAL has failed; every later write fails with 500.
  bool failed = false;
};

/// What `open` found in the data directory.
struct recovery_report {
  bool loaded_snapshot = false;
  size_t snapshot_objects = 0;
  size_t replayed_records = 0;
  /// True when a corrupt or truncated tail was found and cut at the last good record.
  bool truncated_tail = false;
  /// Byte offset at which the log was cut and why (for the caller's log line).
  uint64_t truncated_at = 0;
  std::string problem;
  /// The store's revision after recovery.
  int64_t resource_version = 0;
};

/// Options of create/update/mutate.
struct write_options {
  /// Validate and compute the result, but commit nothing and emit nothing.
  bool dry_run = false;
  /// `fieldManager` query parameter (passed to the admission hook; the store does not
  /// compute managedFields itself).
  std::string field_manager;
  /// "" for the main resource, "status" for `/status`.
  std::string subresource;
};

/// Options of list and deletecollection (query parameters).
struct list_options {
  std::string label_selector;
  std::string field_selector;
  /// Page size; 0 = no limit.
  int64_t limit = 0;
  /// Opaque token from a previous page (base64 JSON `{rv, start}`); a token whose RV left
  /// the event log → 410 Expired.
  std::string continue_token;
  /// "" = most recent; "0" = any (served as most recent); N with limit and
  /// match != "NotOlderThan" = exact (410 when outside the event log); N without limit =
  /// not older than (served as most recent; never 410).
  std::string resource_version;
  /// "", "Exact" or "NotOlderThan".
  std::string resource_version_match;
};

/// A page of a list.
struct list_result {
  /// Items in (namespace, name) order. Shared with the store: never mutated.
  std::vector<std::shared_ptr<const json>> items;
  /// List RV (identical on every page of one paginated list).
  std::string resource_version;
  /// Token for the next page; empty on the last page.
  std::string continue_token;
  /// Items left after this page, when a continue token is returned and the list has no
  /// label or field selector (as upstream).
  std::optional<int64_t> remaining_item_count;

  /// The `<Kind>List` body: `{"kind":"TaskList","apiVersion":...,"metadata":{...},"items":[...]}`.
  json to_json(const resource_info& res) const;
};

/// Options of delete.
struct delete_options {
  /// "", "Background", "Foreground" or "Orphan" ("" = Background; upstream's default for
  /// Jobs is Orphan but kubectl always sends Background).
  std::string propagation_policy;
  /// Preconditions: 409 Conflict when set and different from the stored object.
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  bool dry_run = false;
};

/// Outcome of a delete.
struct delete_result {
  /// The object: the deleted one (with a new RV) when `removed`, else the object as it now
  /// stands (deletionTimestamp set, waiting for finalizers).
  std::shared_ptr<const json> object;
  /// True when the object is gone now; false when finalizers hold it (the HTTP layer then
  /// returns the object; for an immediately removed custom resource it returns a Status
  /// Success with details {name, group, kind: <plural>, uid}).
  bool removed = false;
};

/// Outcome of a write.
struct write_result {
  std::shared_ptr<const json> object;
  /// True when the object was created (201), false on update (200).
  bool created = false;
  /// True when the write changed nothing (no RV bump, no event).
  bool unchanged = false;
  /// The committed entry, whose text is `object` serialised: a reply can send it as it is
  /// instead of serialising the tree again. Null for dry runs and unchanged writes.
  std::shared_ptr<const stored_object> stored;
};

/// The kind of operation seen by an admission hook.
enum class admission_operation { create, update };

/// Context for an admission hook.
struct admission_context {
  admission_operation operation = admission_operation::create;
  const resource_info* resource = nullptr;
  std::string subresource;
  std::string field_manager;
  bool dry_run = false;
};

/// Called under the store lock before commit with the would-be object (metadata already
/// managed: uid, generation, timestamps; status rules applied). Returns the object to
/// store (defaulted, pruned) or an error (422 Invalid, 400 for Strict field validation, ...).
/// Must be fast, must not block and must not call the store. It runs again on
/// the result's no-op comparison only through its own output (the store compares the
/// hook's output with the current object).
using admission_hook = std::function<api_result<json>(json new_object, const json* old_object,
                                                      const admission_context& ctx)>;

/// Called after a change is committed, outside the store lock, in commit order, from the
/// writer's thread (e.g. so the server can (un)register CRD resources). May call the store.
/// `event.type` is added, modified or deleted.
using change_hook = std::function<void(const resource_info& res, const watch_event& event)>;

/// For `mutate`: computes the new object from the current one (nullptr when absent and
/// `create_if_absent`). Runs under the store lock: must be fast and must not call the store.
using mutate_fn = std::function<api_result<json>(const json* current)>;

/// In-memory Kubernetes object storage with upstream semantics (see docs/apiserver-storage.md):
/// one global revision, optimistic concurrency, no-op detection, status subresource rules,
/// finalizers and deletionTimestamp, owner-reference garbage collection, namespace
/// lifecycle, built-in defaults (Namespace phase, Secret stringData, Pod phase, Job
/// selector), watch fan-out with an event log, and optional durability (WAL + snapshots).
///
/// Thread safety: every member function may be called from any thread. Writes are
/// serialised by one mutex; watch fan-out happens under the same mutex, so a watch's
/// snapshot and subscription never race with writes.
///
/// Durability (group commit): a write appends its WAL record under the mutex without
/// syncing, releases the mutex, then waits until the record is fdatasync'd; concurrent
/// writers share one fdatasync. A write is acknowledged (returns success) only once durable;
/// if the sync fails it returns 500 and the store refuses every later write. Caveat: watchers
/// and change hooks see a change at commit time, a moment before it is durable; such a change
/// survives a process crash (it is in the page cache) but could be lost on an OS crash, in
/// which case its writer was never acknowledged. Inside a `deferred_durability` scope the
/// write returns once committed and the caller acknowledges it through `when_durable`.
///
/// Keys: (resource group, plural, namespace, name). Versions of one group/plural share
/// storage; stored objects keep the apiVersion they were written with.
///
/// All functions taking `ns` ignore it for cluster-scoped resources.
class object_store {
public:
  /// A memory-only store (data_dir must be empty; use `open` for durability).
  explicit object_store(store_config cfg = {});
  ~object_store();
  object_store(const object_store&) = delete;
  object_store& operator=(const object_store&) = delete;

  /// Opens a store on `cfg.data_dir` (created if missing): loads the snapshot, replays the
  /// WAL, cuts a corrupt/truncated tail. Revisions continue upward from the recovered one.
  static kelos::expected<std::unique_ptr<object_store>> open(store_config cfg,
                                                             recovery_report* report = nullptr);

  /// The current global revision.
  int64_t current_rv() const;

  /// POST. `obj` must carry `metadata.name` or `metadata.generateName`. Read-only metadata
  /// (uid, resourceVersion, creationTimestamp, generation, deletionTimestamp, ...) is
  /// overwritten; status is dropped when the resource has a status subresource.
  /// Errors: 404/403 namespace missing/terminating, 400 namespace mismatch, 422 invalid
  /// name, 409 AlreadyExists, admission errors.
  api_result<write_result> create(const resource_info& res, std::string_view ns, json obj,
                                  const write_options& opts = {});

  /// GET. 404 when absent.
  api_result<std::shared_ptr<const json>> get(const resource_info& res, std::string_view ns,
                                              std::string_view name) const;

  /// LIST (ns empty = all namespaces). 400 on a bad selector or continue token, 410 on an
  /// expired token or an exact RV older than the event log.
  api_result<list_result> list(const resource_info& res, std::string_view ns,
                               const list_options& opts = {}) const;

  /// PUT (main resource or `/status`). 409 Conflict when `metadata.resourceVersion` is set
  /// and differs from the stored one (empty = unconditional). A PUT that changes nothing
  /// returns the stored object unchanged (`unchanged = true`).
  api_result<write_result> update(const resource_info& res, std::string_view ns,
                                  std::string_view name, json obj, const write_options& opts = {});

  /// Atomic read-modify-write used for PATCH and server-side apply: `fn` receives the
  /// current object and returns the desired one, which then goes through the same rules as
  /// `update` (status subresource rules, metadata management, admission, no-op check).
  /// The RV in fn's result is checked like a PUT's (so a patch carrying a stale RV → 409).
  /// With `create_if_absent`, a missing object calls fn(nullptr) and creates the result.
  api_result<write_result> mutate(const resource_info& res, std::string_view ns,
                                  std::string_view name, const mutate_fn& fn,
                                  const write_options& opts = {}, bool create_if_absent = false);

  /// DELETE. With finalizers (after adding `foregroundDeletion`/`orphan` for the
  /// propagation policy) sets deletionTimestamp, deletionGracePeriodSeconds 0 and bumps
  /// generation; otherwise removes the object. A repeated DELETE of a deleting object
  /// changes nothing. Namespaces go to phase Terminating; their contents are deleted and
  /// the namespace is removed once empty.
  api_result<delete_result> remove(const resource_info& res, std::string_view ns,
                                   std::string_view name, const delete_options& opts = {});

  /// DELETE on a collection: deletes every matching object (same rules as `remove`);
  /// returns the affected objects.
  api_result<std::vector<std::shared_ptr<const json>>> remove_collection(
    const resource_info& res, std::string_view ns, const list_options& list,
    const delete_options& opts = {});

  /// WATCH. Returns a stream the caller drains; 400 on bad selectors. An RV older than the
  /// event log gives a stream holding one ERROR 410 event (then closed), as upstream sends
  /// it inside a 200 response.
  api_result<std::shared_ptr<watch_stream>> watch(const resource_info& res, std::string_view ns,
                                                  const watch_options& opts);

  /// Enqueues a BOOKMARK at the current RV on `stream` if it asked for bookmarks. Called by
  /// the HTTP layer's timer; ordered correctly with the stream's other events.
  void request_bookmark(const std::shared_ptr<watch_stream>& stream);

  /// Closes and unregisters a watch (also done lazily when a stream is found closed).
  void stop_watch(const std::shared_ptr<watch_stream>& stream);

  /// Installs (or clears, with an empty function) the admission hook of a resource
  /// (group + plural).
  void set_admission_hook(const resource_info& res, admission_hook hook);
  /// Installs the change hook, replacing every hook installed before (empty = none).
  void set_change_hook(change_hook hook);
  /// Adds one more change hook (e.g. pod-log cleanup beside the CRD controller). Hooks run
  /// in the order they were added, for each change.
  void add_change_hook(change_hook hook);

  /// Number of stored objects (all resources).
  size_t size() const;
  /// Compacts the WAL into a snapshot now (no-op without a data dir).
  kelos::expected<void> compact();

  /// WAL counters (group commits, failures).
  durability_stats durability() const;

  /// While alive on a thread, writes that thread makes through a store with a data dir do
  /// not wait for their WAL records to be fdatasync'd before returning: the scope collects
  /// the log position they need instead, to be passed to `when_durable`. Everything else is
  /// unchanged (the write is committed and visible, and a later sync failure still fails the
  /// WAL). The HTTP front uses it so one connection can take its next request while a
  /// write's group commit is pending; the write's response still goes out only once it is
  /// durable. Scopes nest: an inner scope hands its position to the outer one on exit.
  class deferred_durability {
  public:
    deferred_durability();
    ~deferred_durability();
    deferred_durability(const deferred_durability&) = delete;
    deferred_durability& operator=(const deferred_durability&) = delete;
    /// The WAL position the scope's writes need; 0 when they need nothing.
    uint64_t position() const { return position_; }

  private:
    uint64_t position_ = 0;
    uint64_t* outer_ = nullptr;
  };

  /// Calls `done` once every write covered by `position` (from a `deferred_durability`
  /// scope) is durable, or with the error that keeps it from being durable (then the store
  /// refuses every later write, as for a blocking write). `done` runs at once on the calling
  /// thread when the answer is known, else on the WAL's sync thread: it must be quick.
  void when_durable(uint64_t position, std::function<void(kelos::expected<void>)> done);

  /// Blocks until every `when_durable` callback registered so far has returned (for an
  /// orderly shutdown: callbacks may hold the connections they answer).
  void drain_durability_callbacks();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace kelos::apiserver
