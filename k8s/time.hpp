#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kelos::k8s {

using clock = std::chrono::system_clock;
using time_point = std::chrono::time_point<clock, std::chrono::microseconds>;

/// `metav1.Time`: RFC 3339 in UTC with whole seconds, e.g. "2026-11-23T22:34:09Z".
std::string format_time(time_point t);

/// `metav1.MicroTime`: RFC 3339 in UTC with 6 fractional digits,
/// e.g. "2026-11-23T22:34:09.123456Z" (Lease renewTime, events.k8s.io eventTime).
std::string format_micro_time(time_point t);

/// Parses RFC 3339: `Z` or a numeric offset (`+00:00`, `-07:30`), optional
/// fractional seconds (up to 9 digits; kept to microseconds). Returns nullopt on
/// anything else, including out-of-range fields.
std::optional<time_point> parse_time(std::string_view text);

/// The current time at microsecond precision.
time_point now();

} // namespace kelos::k8s
