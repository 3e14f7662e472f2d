#include "k8s/client/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace kelos::k8s {

using std::chrono::milliseconds;

backoff::backoff(backoff_config cfg) : cfg_(cfg), rng_(cfg.seed) {
  if (cfg_.initial.count() < 0) cfg_.initial = milliseconds{0};
  if (cfg_.max < cfg_.initial) cfg_.max = cfg_.initial;
  if (!(cfg_.factor >= 1.0)) cfg_.factor = 1.0;
}

milliseconds backoff::ceiling() const {
  // Computed in double so large attempt counts saturate at the cap instead of overflowing.
  double v = static_cast<double>(cfg_.initial.count()) * std::pow(cfg_.factor, static_cast<double>(attempts_));
  double cap = static_cast<double>(cfg_.max.count());
  return milliseconds{static_cast<int64_t>(std::min(v, cap))};
}

milliseconds backoff::next() {
  milliseconds d{0};
  switch (cfg_.jitter) {
    case jitter_mode::none: d = ceiling(); break;
    case jitter_mode::full: {
      std::uniform_int_distribution<int64_t> dist(0, ceiling().count());
      d = milliseconds{dist(rng_)};
      break;
    }
    case jitter_mode::decorrelated: {
      int64_t lo = cfg_.initial.count();
      int64_t hi = std::max(lo, (attempts_ == 0 ? cfg_.initial : prev_).count() * 3);
      std::uniform_int_distribution<int64_t> dist(lo, hi);
      d = std::min(milliseconds{dist(rng_)}, cfg_.max);
      break;
    }
  }
  prev_ = d;
  if (attempts_ < 1'000'000) ++attempts_;
  return d;
}

kelos::expected<void> validate(const backoff_config& cfg) {
  if (cfg.initial.count() < 0) return make_error(errc::invalid_config, "backoff.initial: must not be negative");
  if (cfg.max < cfg.initial) return make_error(errc::invalid_config, "backoff.max: must be at least backoff.initial");
  if (!(cfg.factor >= 1.0)) return make_error(errc::invalid_config, "backoff.factor: must be at least 1");
  return {};
}

void backoff::reset() noexcept {
  attempts_ = 0;
  prev_ = milliseconds{0};
}

} // namespace kelos::k8s
