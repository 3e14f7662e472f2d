#pragma once

#include "runtime/error.hpp"

#include <chrono>
#include <string_view>

namespace kelos::sources {

/// The poll interval used when `spec.pollInterval` is empty (same as the seed: 5 minutes).
inline constexpr std::chrono::minutes default_poll_interval{5};

/// Go's `time.ParseDuration`: a sequence of decimal numbers with optional fraction and a
/// unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), optionally signed: `1h30m`, `1.5s`, `-2m`.
/// `"0"` is the only number allowed without a unit. Errors (`invalid_spec`) use Go's words:
/// `time: missing unit in duration "5"`, `time: unknown unit "d" in duration "1d"`,
/// `time: invalid duration "x"` (also on overflow of 64-bit nanoseconds).
expected<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

/// `spec.pollInterval`: empty means `default_poll_interval`; otherwise a Go duration, or a
/// plain decimal integer meaning seconds (the seed's fallback rule). Unlike the seed, which
/// silently falls back to 5m on anything unparsable, an unparsable, zero or negative value
/// is an `invalid_spec` error naming the value, so callers can surface it on the
/// TaskSpawner's status and decide themselves whether to fall back.
expected<std::chrono::nanoseconds> parse_poll_interval(std::string_view text);

} // namespace kelos::sources
