#pragma once

#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace kelos::apiserver {

/// CRC-32 (IEEE 802.3, the zlib polynomial) of `data`.
uint32_t crc32(std::string_view data) noexcept;

/// One durable change: the full post-write state of an object, or its deletion.
struct wal_record {
  enum class kind { put, remove };
  kind op = kind::put;
  int64_t rv = 0;
  std::string group;
  std::string plural;
  std::string namespace_;
  std::string name;
  /// The stored object (put only). Recovery fills this one.
  std::shared_ptr<const k8s::json> object;
  /// The stored object's compact JSON text (put only): when set, written verbatim instead
  /// of serialising `object` (the store keeps objects as text; see `stored_object`).
  std::shared_ptr<const std::string> object_text;
};

/// What recovery found.
struct wal_recovery {
  bool loaded_snapshot = false;
  int64_t snapshot_rv = 0;
  size_t snapshot_objects = 0;
  size_t replayed_records = 0;
  bool truncated_tail = false;
  uint64_t truncated_at = 0;
  std::string problem;
};

/// Write-ahead log + snapshot in one directory (`wal.log`, `snapshot`, and `wal.old.log` while
/// a background snapshot is being written; recovery replays snapshot, old log, log).
///
/// File format (both files): records framed as `u32 length (LE) | u32 crc32 (LE) | payload`,
/// payload = compact JSON. The snapshot's first record is a header `{"rv": N}`; every further
/// record is a put. Log records with rv ≤ the snapshot's rv are skipped on replay (a crash
/// between snapshot rename and log truncation leaves them behind harmlessly).
///
/// Group commit: `append_buffered` writes a record (write(2), no sync) and returns its end
/// position on a monotonically increasing byte counter (`written()`, never reset by snapshot
/// truncation); `wait_durable(pos)` blocks until that position is durable. Waiters elect a
/// leader: the first one runs one fdatasync covering everything written so far, the others
/// wait on a condition variable and are all released by it, so concurrent writers share syncs.
///
/// Guarantees:
/// 1. `append` returns only after the record is written and (with fsync on) fdatasync'd;
///    `wait_durable(p)` returns success only when every byte up to `p` is fdatasync'd (or was
///    covered by a durable snapshot).
/// 5. A failed fdatasync marks the WAL failed: that and every later `wait_durable` and
///    `append_buffered` fail (the page cache state after a failed fsync is unknowable).
/// 2. A torn or corrupt tail (short header, short payload, CRC mismatch, unparsable JSON) is
///    detected on `open`, reported, and the log is truncated at the last good record.
/// 3. A failed append is cut back off the file, so later appends never follow garbage.
/// 4. `write_snapshot` is atomic: temp file + fsync + rename + directory fsync, then the log
///    is truncated.
/// `when_durable(pos, done)` is the asynchronous form: a sync thread (started on first use)
/// runs the shared fdatasync and calls `done`, so a caller need not park a thread per write.
/// Threading: `append_buffered`, `append`, `write_snapshot` and `open` need the caller's
/// (store's) mutex; `wait_durable`, `when_durable`, `drain_callbacks`, `written`, `stats` and
/// `failed` are thread-safe and are meant to be called without it (that is what lets writes
/// share a sync).
class wal {
public:
  ~wal();
  wal(const wal&) = delete;
  wal& operator=(const wal&) = delete;

  /// Opens (creating the directory if needed) and recovers: calls `on_record` for every
  /// snapshot object and then every valid log record, in order.
  static kelos::expected<std::unique_ptr<wal>> open(
    const std::string& dir, bool fsync, const std::function<void(const wal_record&)>& on_record,
    wal_recovery& recovery);

  /// Appends one record durably (`append_buffered` + `wait_durable`).
  kelos::expected<void> append(const wal_record& rec);

  /// Writes one record without syncing; returns its end position (see `written`). Fails if
  /// the write fails (the partial record is cut off) or the WAL has failed before.
  kelos::expected<uint64_t> append_buffered(const wal_record& rec);

  /// Blocks until byte position `pos` (from `append_buffered`/`written`) is durable. Without
  /// fsync it returns at once (but still reports a failed WAL). Thread-safe.
  kelos::expected<void> wait_durable(uint64_t pos);

  /// Calls `done` once byte position `pos` is durable (success) or the WAL has failed (its
  /// error). Never blocks on the disk: `done` runs at once on the calling thread when the
  /// answer is known, else on the WAL's sync thread after the fdatasync that covers `pos`
  /// (shared with every other waiter, blocking or not). `done` must be quick and must not
  /// call back into the WAL. Callbacks still pending at destruction are synced and called
  /// before the destructor returns.
  void when_durable(uint64_t pos, std::function<void(kelos::expected<void>)> done);

  /// Blocks until every `when_durable` callback registered so far has returned.
  void drain_callbacks();

  /// Total bytes ever appended to the log by this process (monotonic; survives truncation).
  uint64_t written() const { return written_.load(std::memory_order_acquire); }

  /// Counters for tests and benchmarks.
  struct stats_t {
    /// fdatasync calls made by `wait_durable` leaders (group commits).
    uint64_t syncs = 0;
    /// Records appended.
    uint64_t records = 0;
  };
  stats_t stats() const {
    return {syncs_.load(std::memory_order_relaxed), records_.load(std::memory_order_relaxed)};
  }

  /// True once an append write or an fdatasync has failed.
  bool failed() const { return failed_.load(std::memory_order_acquire); }

  /// Test hook: when set, called instead of fdatasync(fd) by group-commit leaders (return 0
  /// for success, -1 with errno set for failure).
  std::function<int(int)> sync_hook;

  /// Writes a snapshot at revision `rv`; `for_each` must call its argument once per stored
  /// object (put records). Then truncates the log and deletes `wal.old.log`.
  kelos::expected<void> write_snapshot(
    int64_t rv, const std::function<void(const std::function<void(const wal_record&)>&)>& for_each);

  /// Background compaction, step 1 (caller's mutex held): syncs the log, renames it to
  /// `wal.old.log`, starts an empty `wal.log` and syncs the directory. The caller then copies
  /// its objects (as of the last appended record) and calls `write_snapshot_file` on another
  /// thread. Fails (nothing changed unless the WAL is marked failed) when `wal.old.log` still
  /// exists: a previous background snapshot has not completed, use `write_snapshot` instead.
  kelos::expected<void> rotate();

  /// Background compaction, step 2 (any thread, without the caller's mutex; at most one at
  /// a time and never concurrently with `write_snapshot`): writes the snapshot (temp file,
  /// fsync, rename, directory fsync), then deletes `wal.old.log`. A crash at any point
  /// recovers: old snapshot + `wal.old.log` + `wal.log`, or new snapshot + `wal.log` (old
  /// records have rv ≤ the snapshot's and are skipped).
  kelos::expected<void> write_snapshot_file(int64_t rv, const std::vector<wal_record>& objects);

  /// True while `wal.old.log` exists (a rotated log whose snapshot is not yet durable).
  bool has_old_log() const { return old_log_.load(std::memory_order_acquire); }

  /// Records appended since the last snapshot (drives periodic compaction).
  size_t records_since_snapshot() const { return since_snapshot_; }

private:
  /// Writes a snapshot at `rv` durably: temp file, fsync, rename, directory fsync.
  /// Leaves the logs alone; callers decide what the snapshot makes redundant.
  kelos::expected<void> put_snapshot(
    int64_t rv, const std::function<void(const std::function<void(const wal_record&)>&)>& for_each);

  wal(std::string dir, bool fsync, int fd);
  std::string dir_;
  bool fsync_;
  int fd_;
  /// Length of the valid log (a failed append is cut back to it).
  uint64_t size_ = 0;
  size_t since_snapshot_ = 0;
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> syncs_{0};
  std::atomic<uint64_t> records_{0};
  std::atomic<bool> failed_{false};
  std::atomic<bool> old_log_{false};
  /// Runs one fdatasync covering everything written so far (`lock` holds sync_mu_ and no
  /// sync is running); records the result and wakes every waiter.
  void lead_sync(std::unique_lock<std::mutex>& lock);
  /// The sync thread's loop: syncs while callbacks wait and calls those now answered.
  void sync_loop();
  /// The error every waiter gets once the WAL has failed (sync_mu_ held).
  kelos::error failure_locked() const;

  // Group commit state, guarded by sync_mu_.
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  uint64_t durable_ = 0;
  bool syncing_ = false;
  std::string failure_;
  /// when_durable callbacks by position; `firing_` counts batches being called.
  std::multimap<uint64_t, std::function<void(kelos::expected<void>)>> callbacks_;
  size_t firing_ = 0;
  bool stopping_ = false;
  std::thread syncer_;
};

} // namespace kelos::apiserver
