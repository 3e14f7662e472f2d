#pragma once

#include "k8s/time.hpp"
#include "runtime/error.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::sources {

/// A parsed cron schedule: five fields `minute hour day-of-month month day-of-week`, or a
/// descriptor (`@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`,
/// `@hourly`).
///
/// Field syntax (robfig/cron's standard parser, which the seed uses, plus day-of-week 7):
/// `*` or `?`, a value, a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (= `a-max/n`), and
/// comma-separated lists of these. Months accept `jan`..`dec` and days of week `sun`..`sat`
/// (case-insensitive); day-of-week is 0–7 with both 0 and 7 meaning Sunday.
///
/// Day matching follows Vixie cron: when both day-of-month and day-of-week are restricted
/// (neither starts with an unstepped `*` or `?`), a day matches if **either** matches;
/// otherwise both must match. `*/2` counts as restricted, `*` and `*/1` do not (as robfig).
///
/// Times are evaluated in UTC, or at a fixed offset from UTC; there are no time zones and
/// so no daylight-saving gaps or repeats.
class cron_schedule {
public:
  /// Parses `expr` (surrounding whitespace ignored). Errors are `invalid_spec` naming the
  /// field and the offending value, e.g.
  /// `invalid cron expression "61 * * * *": minute: value 61 out of range [0, 59]`.
  static expected<cron_schedule> parse(std::string_view expr);

  /// The first fire time strictly after `t` (fire times are whole minutes), evaluated at
  /// `utc_offset` from UTC. The search is bounded to 10 years, enough for any
  /// satisfiable schedule (Feb 29 recurs within 8 years); a schedule that never fires
  /// within that window (e.g. `0 0 30 2 *`) returns `invalid_spec`.
  expected<k8s::time_point> next_after(k8s::time_point t,
                                       std::chrono::minutes utc_offset = {}) const;

  /// The fire times in `(after, until]`, oldest first, at most `max_ticks` of them (the
  /// seed caps at 1,000). Empty when `until <= after` or the schedule never fires.
  std::vector<k8s::time_point> ticks_between(k8s::time_point after, k8s::time_point until,
                                             std::size_t max_ticks,
                                             std::chrono::minutes utc_offset = {}) const;

  /// True when the minute containing `t` is a fire time.
  bool matches(k8s::time_point t, std::chrono::minutes utc_offset = {}) const;

  /// The expression as given to `parse` (trimmed).
  const std::string& expression() const noexcept { return expr_; }

private:
  bool day_matches(std::chrono::sys_days day) const;

  std::string expr_;
  std::uint64_t minutes_ = 0; // bit m: minute m
  std::uint32_t hours_ = 0;   // bit h
  std::uint32_t dom_ = 0;     // bit d (1..31)
  std::uint32_t months_ = 0;  // bit m (1..12)
  std::uint32_t dow_ = 0;     // bit d (0..6, Sunday = 0)
  bool dom_star_ = false;
  bool dow_star_ = false;
};

} // namespace kelos::sources
