#pragma once

#include "k8s/time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// GitHub REST rate limits, read from a response (pure; no clock: the caller passes `now`).
///
/// GitHub's rules ("Rate limits for the REST API", API version 2022-11-28):
/// - primary limit exceeded: 403 or 429 with `x-ratelimit-remaining: 0`; do not retry before
///   `x-ratelimit-reset` (UTC epoch seconds);
/// - secondary limit: 403 or 429 with a message naming a secondary rate limit; wait
///   `retry-after` seconds when present, else until the reset when remaining is 0, else at
///   least one minute.
namespace kelos::github {

using header_list = std::vector<std::pair<std::string, std::string>>;

/// The first value of header `name` (case-insensitive), or empty.
std::string header_value(const header_list& headers, std::string_view name);

/// Parses an HTTP-date (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"); nullopt otherwise.
std::optional<k8s::time_point> parse_http_date(std::string_view text);

/// The server's clock at the time of the response: its `Date` header, else `fallback`.
k8s::time_point response_time(const header_list& headers, k8s::time_point fallback);

/// A wait GitHub asked for.
struct rate_limit_wait {
  /// Earliest time to retry the request.
  k8s::time_point until;
  /// Why, for messages: "primary rate limit (x-ratelimit-remaining: 0)",
  /// "secondary rate limit (retry-after: 30)", "secondary rate limit".
  std::string reason;
};

/// For a 403 or 429 answer: the wait it demands, or nullopt when it is not a rate limit (a
/// plain 403 Forbidden, e.g. missing permissions). `now` is the response time
/// (`response_time`). Order: `retry-after` (seconds or HTTP-date), then
/// `x-ratelimit-remaining: 0` with a reset, then a body message mentioning "rate limit", or
/// any 429: one minute. A reset already in the past gives `now + 1 s`.
std::optional<rate_limit_wait> rate_limit_wait_for(int status, const header_list& headers,
                                                   std::string_view body, k8s::time_point now);

/// For a successful answer that used up the budget (`x-ratelimit-remaining: 0` with a reset
/// in the future): the reset, so the next request is not sent only to be refused.
std::optional<k8s::time_point> budget_exhausted_until(const header_list& headers, k8s::time_point now);

} // namespace kelos::github
