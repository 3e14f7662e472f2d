#pragma once

/// The cron source (seed §3.5, with the missed-window rule of issue 6): one work item for
/// the newest schedule tick since the last discovery. No HTTP: a cron discovery is finished
/// as soon as it is made.

#include "k8s/time.hpp"
#include "runtime/error.hpp"
#include "sources/work_item.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::sources {

/// What the cron source needs from a TaskSpawner (`spec.when.cron` and its status).
struct cron_source_config {
  /// `spec.when.cron.schedule`: five fields or a descriptor (sources/cron.hpp), in UTC.
  std::string schedule;
  /// `status.lastDiscoveryTime`: the cursor; ticks at or before it were already handled.
  std::optional<k8s::time_point> last_discovery_time;
  /// `metadata.creationTimestamp`: the cursor before the first discovery.
  std::optional<k8s::time_point> creation_timestamp;
};

/// The work item of one tick: id `YYYYMMDD-HHMM` (UTC), title and time the tick in RFC 3339
/// (`2026-11-24T09:00:00Z`), schedule the expression; number 0, kind empty ("Issue").
work_item cron_work_item(k8s::time_point tick, std::string_view schedule);

/// The items for the window `(cursor, now]`, where the cursor is `last_discovery_time`, else
/// `creation_timestamp`.
///
/// **Missed-window rule:** at most ONE item per discovery, the newest tick in the window.
/// When the window holds several ticks (the controller was down, the spawner was suspended,
/// or the poll interval is longer than the schedule's period), the older ones are skipped,
/// not caught up: a controller back after a day of downtime with `*/5 * * * *` creates one
/// Task, not 288. No tick in the window → no item.
///
/// Errors (`invalid_spec`, for the TaskSpawner's status):
/// `when.cron.schedule: invalid cron expression "...": ...` for a bad expression, and
/// `cron: no cursor: neither status.lastDiscoveryTime nor metadata.creationTimestamp is set`.
/// A cursor after `now` (clock skew) yields no items.
kelos::expected<std::vector<work_item>> discover_cron(const cron_source_config& cfg, k8s::time_point now);

/// The first tick strictly after `now`, so a poller can wake exactly then instead of waiting
/// a whole poll interval (a tick is then never skipped while the controller runs). Errors as
/// `discover_cron` for a bad expression; `invalid_spec` for a schedule that never fires.
kelos::expected<k8s::time_point> next_cron_tick(std::string_view schedule, k8s::time_point now);

/// A `discovery` (sources/work_item.hpp) that makes no request: `next_request` is nullopt at
/// once and `result` is `discover_cron(cfg, now)`.
std::unique_ptr<discovery> make_cron_discovery(const cron_source_config& cfg, k8s::time_point now);

} // namespace kelos::sources
