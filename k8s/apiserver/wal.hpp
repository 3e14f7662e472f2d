#pragma once

#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

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
  /// The stored object (put only).
  std::shared_ptr<const k8s::json> object;
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

/// Write-ahead log + snapshot in one directory (`wal.log`, `snapshot`).
///
/// File format (both files): records framed as `u32 length (LE) | u32 crc32 (LE) | payload`,
/// payload = compact JSON. The snapshot's first record is a header `{"rv": N}`; every further
/// record is a put. Log records with rv ≤ the snapshot's rv are skipped on replay (a crash
/// between snapshot rename and log truncation leaves them behind harmlessly).
///
/// Guarantees:
/// 1. `append` returns only after the record is written and (with fsync on) fdatasync'd.
/// 2. A torn or corrupt tail (short header, short payload, CRC mismatch, unparsable JSON) is
///    detected on `open`, reported, and the log is truncated at the last good record.
/// 3. A failed append is cut back off the file, so later appends never follow garbage.
/// 4. `write_snapshot` is atomic: temp file + fsync + rename + directory fsync, then the log
///    is truncated.
/// Not thread-safe: the store's mutex guards it.
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

  /// Appends one record durably.
  kelos::expected<void> append(const wal_record& rec);

  /// Writes a snapshot at revision `rv`; `for_each` must call its argument once per stored
  /// object (put records). Then truncates the log.
  kelos::expected<void> write_snapshot(
    int64_t rv, const std::function<void(const std::function<void(const wal_record&)>&)>& for_each);

  /// Records appended since the last snapshot (drives periodic compaction).
  size_t records_since_snapshot() const { return since_snapshot_; }

private:
  wal(std::string dir, bool fsync, int fd);
  std::string dir_;
  bool fsync_;
  int fd_;
  /// Length of the valid log (a failed append is cut back to it).
  uint64_t size_ = 0;
  size_t since_snapshot_ = 0;
};

} // namespace kelos::apiserver
