#pragma once

#include "runtime/error.hpp"

#include <chrono>
#include <cstdint>
#include <random>

namespace kelos::k8s {

/// How a backoff randomizes its delays.
enum class jitter_mode {
  /// Exactly initial·factorⁿ, capped. Deterministic; for tests and tools.
  none,
  /// "Full jitter": uniform in [0, min(cap, initial·factorⁿ)]. Spreads a thundering herd best.
  full,
  /// "Decorrelated jitter": uniform in [initial, previous·3], capped. Never below initial.
  decorrelated,
};

/// Backoff settings. Defaults follow the client-go reflector (800 ms doubling up to 30 s).
struct backoff_config {
  /// The first delay (the ceiling of the first delay with full jitter).
  std::chrono::milliseconds initial{800};
  /// No delay is longer than this.
  std::chrono::milliseconds max{30'000};
  /// Growth per attempt (>= 1).
  double factor = 2.0;
  jitter_mode jitter = jitter_mode::full;
  /// RNG seed; fixed seeds make delay sequences reproducible in tests.
  uint64_t seed = 0x6b656c6f73ULL;
};

/// Checks a backoff config: initial >= 0, max >= initial, factor >= 1.
/// Errors: `invalid_config` naming the field.
kelos::expected<void> validate(const backoff_config& cfg);

/// Exponential backoff with a cap and jitter. Pure: it computes delays, never sleeps.
///
/// Guarantees: every delay is in [0, max] (decorrelated: [min(initial, max), max]);
/// without jitter the n-th delay (from 0) is min(max, initial·factorⁿ). `reset()`
/// starts the sequence again (call it after a success). Not thread-safe.
class backoff {
public:
  explicit backoff(backoff_config cfg = {});

  /// The delay before the next attempt; advances the sequence.
  std::chrono::milliseconds next();
  /// Forgets past failures: the next delay is again based on `initial`.
  void reset() noexcept;
  /// Delays handed out since the last reset.
  uint32_t attempts() const noexcept { return attempts_; }
  const backoff_config& config() const noexcept { return cfg_; }

private:
  std::chrono::milliseconds ceiling() const;

  backoff_config cfg_;
  std::mt19937_64 rng_;
  uint32_t attempts_ = 0;
  std::chrono::milliseconds prev_{0};
};

} // namespace kelos::k8s
