#pragma once

#include "k8s/apiserver/stored_object.hpp"
#include "k8s/apiserver/watch_hub.hpp"
#include "k8s/json.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

namespace kelos::apiserver {

/// One committed change, as kept for watch replay and consistent list pages.
struct log_entry {
  int64_t rv = 0;
  /// added, modified or deleted.
  watch_event_type type = watch_event_type::added;
  /// Store-internal collection id (group + plural).
  uint32_t collection = 0;
  /// Storage key of the object ("ns/name").
  std::string key;
  /// The object after the change (for deleted: the last state with the delete's RV).
  /// Compact: shared with the store while the object is unchanged.
  stored_ptr object;
  /// The object before the change (null for added).
  stored_ptr prev;
};

/// A bounded log of the most recent changes (every revision, all resources), oldest first.
///
/// Guarantees: entries are contiguous in RV (one write = one revision), so the log covers
/// exactly the revisions in (floor(), last_rv()]. Not thread-safe: the store's mutex guards it.
class event_log {
public:
  /// `capacity` = number of entries kept; 0 keeps none (every past RV is "too old").
  explicit event_log(size_t capacity, int64_t start_rv = 0);

  /// Appends an entry; `e.rv` must be greater than every earlier one. Evicts the oldest
  /// entry when full.
  void append(log_entry e);
  /// Every change after `floor()` is in the log: a watch may resume from any RV ≥ floor().
  int64_t floor() const { return floor_; }
  /// Whether a watch/list may resume from `rv` (rv ≥ floor()).
  bool covers(int64_t rv) const { return rv >= floor_; }
  /// Resets to empty with floor `rv` (after recovery).
  void reset(int64_t rv);
  size_t size() const { return entries_.size(); }
  size_t capacity() const { return capacity_; }

  /// Entries with rv > `after`, oldest first (callers iterate with the returned index).
  /// Returns the index of the first such entry; `at(i)` for i in [index, size()).
  size_t first_after(int64_t after) const;
  const log_entry& at(size_t i) const { return entries_[i]; }

private:
  std::deque<log_entry> entries_;
  size_t capacity_;
  int64_t floor_;
};

} // namespace kelos::apiserver
