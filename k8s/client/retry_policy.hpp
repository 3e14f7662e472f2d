#pragma once

#include "k8s/client/backoff.hpp"
#include "k8s/client/http_message.hpp"
#include "runtime/error.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace kelos::k8s {

/// Which failed requests are resent, how often, and after how long.
///
/// Rules (client-go `rest.Request` retry behaviour, simplified):
/// - HTTP 429: always retryable — the server rejected the request before processing it
///   (API Priority and Fairness), so even a POST is safe.
/// - HTTP 500, 502, 503, 504, connection failures and timeouts: retryable only when the
///   request is `idempotent` (a POST may have been applied before the failure).
/// - Everything else (4xx, 501, ...) is final.
/// - The delay is the server's `Retry-After` (delta-seconds, capped at `max_retry_after`)
///   when present, otherwise the next backoff delay.
struct retry_policy {
  /// Total attempts including the first; 1 = never retry.
  int max_attempts = 5;
  /// Upper bound on an honoured `Retry-After`.
  std::chrono::milliseconds max_retry_after{60'000};
  /// Delays when the server sends no Retry-After (200 ms doubling to 10 s, full jitter).
  backoff_config backoff{std::chrono::milliseconds{200}, std::chrono::milliseconds{10'000}, 2.0,
                         jitter_mode::full, 0x7265747279ULL};
};

/// Checks a policy: max_attempts >= 1, max_retry_after >= 0, valid backoff.
/// Errors: `invalid_config` naming the field.
kelos::expected<void> validate(const retry_policy& policy);

/// What happened to one attempt: an HTTP status (0 when no response arrived) and, for
/// transport failures, an error code (`connection_failed`, `timeout`).
struct attempt_outcome {
  /// HTTP status; 0 when no response arrived.
  int status = 0;
  /// For failures without a response: `connection_failed`, `timeout`, ...
  errc transport_error = errc::none;
  /// The `Retry-After` header value, if any.
  std::string_view retry_after;
};

/// True for statuses worth resending an idempotent request for (429, 500, 502, 503, 504).
bool is_retryable_status(int status) noexcept;

/// Parses `Retry-After` in delta-seconds ("3"). HTTP-date values and garbage give nullopt.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) noexcept;

/// True when `outcome` of `req` may be retried at all (ignoring attempt counts).
bool is_retryable(const http_request& req, const attempt_outcome& outcome) noexcept;

/// Decides whether to resend after attempt number `attempt` (1-based) failed with
/// `outcome`. Returns the delay to wait, or nullopt to give up (not retryable, or
/// `max_attempts` reached). Advances `bo` only when it is used for the delay.
std::optional<std::chrono::milliseconds> next_retry_delay(const retry_policy& policy, const http_request& req,
                                                          const attempt_outcome& outcome, int attempt,
                                                          backoff& bo);

} // namespace kelos::k8s
