#pragma once

#include <chrono>

namespace kelos::k8s {

/// Token bucket limiting client requests (client-go `flowcontrol.NewTokenBucketRateLimiter`;
/// defaults there are 5 qps, burst 10 — Kelos uses the values it is configured with).
///
/// The caller passes the current time on every call (the injectable clock), and the
/// limiter answers how long to wait; it never sleeps. Reservations are first come, first
/// served: a `reserve` that must wait still takes its token, so later callers queue
/// behind it and the long-run rate never exceeds `qps` (after an initial `burst`).
/// Not thread-safe: owned by one actor.
class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  /// `qps` <= 0 disables limiting (every call answers zero). `burst` < 1 is treated as 1.
  /// The bucket starts full at time `now`.
  rate_limiter(double qps, int burst, clock::time_point now);

  /// Takes a token and returns how long the caller must wait before using it (zero when
  /// one was available at `now`).
  clock::duration reserve(clock::time_point now);

  /// Takes a token only if one is available at `now`; never creates debt.
  bool try_acquire(clock::time_point now);

  /// Tokens available at `now` (negative while reservations are queued).
  double tokens(clock::time_point now) const;

  double qps() const noexcept { return qps_; }
  int burst() const noexcept { return burst_; }

private:
  void refill(clock::time_point now);

  double qps_;
  int burst_;
  double tokens_;
  clock::time_point last_;
};

} // namespace kelos::k8s
