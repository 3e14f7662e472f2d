#include "k8s/client/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace kelos::k8s {

rate_limiter::rate_limiter(double qps, int burst, clock::time_point now)
  : qps_(qps), burst_(std::max(burst, 1)), tokens_(static_cast<double>(std::max(burst, 1))), last_(now) {}

void rate_limiter::refill(clock::time_point now) {
  // A clock that goes backwards (or an out-of-order caller) adds nothing.
  if (now <= last_) return;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(static_cast<double>(burst_), tokens_ + elapsed * qps_);
  last_ = now;
}

double rate_limiter::tokens(clock::time_point now) const {
  if (qps_ <= 0) return static_cast<double>(burst_);
  if (now <= last_) return tokens_;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  return std::min(static_cast<double>(burst_), tokens_ + elapsed * qps_);
}

rate_limiter::clock::duration rate_limiter::reserve(clock::time_point now) {
  if (qps_ <= 0) return clock::duration::zero();
  refill(now);
  tokens_ -= 1.0;
  if (tokens_ >= 0) return clock::duration::zero();
  // Round up so the caller never wakes a hair before its token exists.
  double wait_s = -tokens_ / qps_;
  auto wait = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(wait_s));
  if (std::chrono::duration<double>(wait).count() < wait_s) wait += clock::duration{1};
  return wait;
}

bool rate_limiter::try_acquire(clock::time_point now) {
  if (qps_ <= 0) return true;
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

} // namespace kelos::k8s
