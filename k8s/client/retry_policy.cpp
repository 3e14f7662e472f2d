#include "k8s/client/retry_policy.hpp"

#include <algorithm>

namespace kelos::k8s {

kelos::expected<void> validate(const retry_policy& policy) {
  if (policy.max_attempts < 1) return make_error(errc::invalid_config, "retry.max_attempts: must be at least 1");
  if (policy.max_retry_after.count() < 0)
    return make_error(errc::invalid_config, "retry.max_retry_after: must not be negative");
  return validate(policy.backoff);
}

bool is_retryable_status(int status) noexcept {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) noexcept {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() || value.size() > 9) return std::nullopt;
  int64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return std::chrono::seconds{n};
}

bool is_retryable(const http_request& req, const attempt_outcome& outcome) noexcept {
  if (outcome.status == 429) return true;
  if (!req.idempotent) return false;
  if (outcome.status != 0) return is_retryable_status(outcome.status);
  return outcome.transport_error == errc::connection_failed || outcome.transport_error == errc::timeout ||
         outcome.transport_error == errc::server_unavailable;
}

std::optional<std::chrono::milliseconds> next_retry_delay(const retry_policy& policy, const http_request& req,
                                                          const attempt_outcome& outcome, int attempt,
                                                          backoff& bo) {
  if (attempt >= policy.max_attempts) return std::nullopt;
  if (!is_retryable(req, outcome)) return std::nullopt;
  if (outcome.status != 0) {
    if (auto ra = parse_retry_after(outcome.retry_after))
      return std::min<std::chrono::milliseconds>(*ra, policy.max_retry_after);
  }
  return bo.next();
}

} // namespace kelos::k8s
