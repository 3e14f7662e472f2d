#pragma once

/// Prometheus metrics: a registry of counter, gauge and histogram families, rendered in
/// the text exposition format 0.0.4. Pure and thread-safe; no I/O.
///
/// Semantics follow client_golang:
/// - A family has a name, a help text, a type and label names fixed at registration.
///   `with({values})` returns the series for one tuple of label values, creating it at 0.
/// - Registering a name again with the same definition returns the same family; a
///   different type, help, label names or buckets is an error (`errc::already_exists`).
/// - A family with no label names has its single series from the start, so it is exposed
///   as 0; a family with label names is exposed once a series exists.
/// - Output is deterministic: families sorted by name, labels within a series sorted by
///   label name, series sorted by their label values in that order (client_golang's
///   gatherer does the same, so a scrape reads like the Go controller's).
///
/// Caveats:
/// - Series are never deleted; label values must come from a bounded set.
/// - References returned by `with` stay valid while the registry (or any family handle)
///   lives.

#include "runtime/error.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::metrics {

/// Content-Type of `registry::render()` (same string as client_golang's expfmt).
inline constexpr std::string_view text_content_type = "text/plain; version=0.0.4; charset=utf-8";

enum class metric_type { counter, gauge, histogram };

/// "counter", "gauge" or "histogram" (the `# TYPE` word).
const char* to_string(metric_type t) noexcept;

/// A monotonically increasing value.
class counter {
public:
  /// Adds `v`. Negative and NaN increments are ignored (client_golang panics on them).
  void inc(double v = 1) noexcept;
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> value_{0};
};

/// A value that goes up and down.
class gauge {
public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void inc(double v = 1) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  void dec(double v = 1) noexcept { value_.fetch_sub(v, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> value_{0};
};

/// Observations counted into fixed buckets, with their sum and count.
class histogram {
public:
  /// `upper_bounds` strictly increasing, without +Inf (it is implicit).
  explicit histogram(std::vector<double> upper_bounds);

  /// Counts `v` into the first bucket whose upper bound is >= v (else +Inf).
  void observe(double v);

  struct snapshot {
    std::vector<double> upper_bounds;
    /// Cumulative counts, one per upper bound, then the +Inf bucket (== count).
    std::vector<uint64_t> cumulative;
    double sum = 0;
    uint64_t count = 0;
  };
  /// A consistent copy (buckets, sum and count from the same instant).
  snapshot read() const;

private:
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::vector<uint64_t> counts_; // per bucket, non-cumulative; last is +Inf
  double sum_ = 0;
};

namespace detail {
struct family_state;
} // namespace detail

/// A handle on a registered family of series of type `Series`. Cheap to copy.
template <class Series>
class family {
public:
  family() = default;
  explicit family(std::shared_ptr<detail::family_state> s) : state_(std::move(s)) {}

  /// The series for `label_values` (one per label name, in registration order), created
  /// at zero on first use. Throws std::invalid_argument when the count is wrong: a
  /// programming error, like client_golang's WithLabelValues panic.
  Series& with(const std::vector<std::string>& label_values) const;
  /// Like `with`, but returns `errc::invalid_spec` instead of throwing.
  expected<Series*> try_with(const std::vector<std::string>& label_values) const;
  /// Stops exporting the series for `label_values` (e.g. of a deleted object), as
  /// client_golang's DeleteLabelValues. References `with` returned stay valid: an update
  /// through one is not exported; a later `with` starts a new series at zero. Returns
  /// whether the series existed. Throws like `with` on a wrong label count.
  bool remove(const std::vector<std::string>& label_values) const;

  const std::string& name() const;
  const std::vector<std::string>& label_names() const;
  explicit operator bool() const noexcept { return state_ != nullptr; }

private:
  std::shared_ptr<detail::family_state> state_;
};

using counter_family = family<counter>;
using gauge_family = family<gauge>;
using histogram_family = family<histogram>;

/// client_golang's DefBuckets, used when a histogram is registered without buckets.
std::vector<double> default_buckets();

/// The set of families one `/metrics` endpoint exposes.
class registry {
public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// Registers (or finds) a counter family. Errors: `invalid_spec` for a bad metric or
  /// label name (`[a-zA-Z_:][a-zA-Z0-9_:]*`, labels `[a-zA-Z_][a-zA-Z0-9_]*`, no `__`
  /// prefix, no duplicates); `already_exists` when `name` is registered differently.
  expected<counter_family> counter(std::string_view name, std::string_view help,
                                   std::vector<std::string> label_names = {});
  expected<gauge_family> gauge(std::string_view name, std::string_view help,
                               std::vector<std::string> label_names = {});
  /// As `counter`; also rejects the label name `le` and buckets that are not strictly
  /// increasing or contain NaN. +Inf is implicit and dropped from `buckets` if given;
  /// empty `buckets` means `default_buckets()`.
  expected<histogram_family> histogram(std::string_view name, std::string_view help,
                                       std::vector<std::string> label_names,
                                       std::vector<double> buckets);

  /// Every family in the text exposition format 0.0.4 (see `text_content_type`).
  std::string render() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Formats a sample value as client_golang does (Go's `strconv.FormatFloat(v, 'g', -1,
/// 64)`, plus `+Inf`, `-Inf`, `NaN`): "1", "0.5", "1e+06", "1.5e-07".
std::string format_value(double v);

/// Escapes a label value: `\` → `\\`, `"` → `\"`, newline → `\n`.
std::string escape_label_value(std::string_view v);

/// Escapes a HELP text: `\` → `\\`, newline → `\n`.
std::string escape_help(std::string_view v);

/// The controller's metrics (kelos-seed §2.8), registered together. Names, types, help
/// texts, labels and buckets are the Go controller's.
struct task_metrics {
  /// `kelos_task_created_total{namespace, type}`: a Job was created for a Task.
  counter_family task_created;
  /// `kelos_task_completed_total{namespace, type, phase}`: a Task reached a terminal phase.
  counter_family task_completed;
  /// `kelos_task_duration_seconds{namespace, type, phase}`: start to completion.
  histogram_family task_duration;
  /// `kelos_reconcile_errors_total{controller}`: controller is "task" or "taskspawner".
  counter_family reconcile_errors;
  /// `kelos_task_cost_usd_total{namespace, type, spawner, model}`.
  counter_family cost_usd;
  /// `kelos_task_input_tokens_total{namespace, type, spawner, model}`.
  counter_family input_tokens;
  /// `kelos_task_output_tokens_total{namespace, type, spawner, model}`.
  counter_family output_tokens;

  /// Registers all seven families in `r` (idempotent: a second call returns the same
  /// families). Fails only when `r` already holds one of the names with another shape.
  static expected<task_metrics> register_in(registry& r);

  /// Duration buckets in seconds: 30, 60, 120, 300, 600, 1200, 1800, 3600.
  static std::vector<double> duration_buckets();

  /// Adds `results["cost-usd"]`, `["input-tokens"]` and `["output-tokens"]` to their
  /// counters, labelled {ns, type, spawner, model}. `spawner` is the Task's
  /// `kelos.dev/taskspawner` label and `model` its `spec.model` (both may be empty).
  /// Each value is parsed as a decimal float (`parse_usage_value`); a missing,
  /// unparsable, zero, negative or non-finite value leaves its counter untouched.
  void record_usage(std::string_view ns, std::string_view type, std::string_view spawner,
                    std::string_view model, const std::map<std::string, std::string>& results) const;
};

/// Parses a result value like Go's `strconv.ParseFloat(s, 64)` for decimal input
/// (optional sign, digits, fraction, exponent). Returns nullopt when unparsable, out of
/// range, or not finite (Go accepts "Inf"; a counter at +Inf is useless, so we do not).
std::optional<double> parse_usage_value(std::string_view text);

} // namespace kelos::metrics
