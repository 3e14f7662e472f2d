#pragma once

/// The controller's observability metrics (issue 8 §1): reconciles per controller, the
/// reconcile queue, Tasks waiting by reason, Kubernetes API requests, watch restarts and
/// relists, GitHub requests and rate limit. Registered together in one registry, handed to
/// the actors through their config/context structs as a shared pointer that may be null
/// (local mode, tests): every recording helper below is a no-op on a null pointer.
///
/// Names follow the seed's `kelos_` prefix; the shapes follow controller-runtime
/// (`controller_runtime_reconcile_total`, `..._reconcile_time_seconds`) and client-go
/// (`rest_client_requests_total`, `rest_client_request_duration_seconds`). Every label value
/// comes from a bounded set (see docs/reference/metrics.md).

#include "runtime/metrics.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kelos::metrics {

/// Outcome of one reconcile, the `result` label.
enum class reconcile_result { success, error, requeue };

/// "success", "error" or "requeue".
const char* to_string(reconcile_result r) noexcept;

/// Why a Task (or a TaskSpawner's work item) waits, the `reason` label.
enum class wait_reason { dependency, branch, concurrency };

/// "dependency", "branch" or "concurrency".
const char* to_string(wait_reason r) noexcept;

/// The `code` label of an API or GitHub request: the HTTP status ("200", "404"), or "error"
/// when no answer arrived (connection, TLS, timeout). Statuses outside 100..599 are "error".
std::string status_label(int status);

struct controller_metrics {
  /// `kelos_reconcile_total{controller, result}`: a reconcile pass ended.
  counter_family reconcile_total;
  /// `kelos_reconcile_duration_seconds{controller}`: start to end of a reconcile pass.
  histogram_family reconcile_duration;
  /// `kelos_reconcile_queue_depth{controller}`: reconciles waiting for a slot.
  gauge_family reconcile_queue_depth;
  /// `kelos_reconcile_active{controller}`: slots held (reconciles admitted and not idle).
  gauge_family reconcile_active;
  /// `kelos_tasks_waiting{reason}`: Tasks (concurrency: work items) waiting now.
  gauge_family tasks_waiting;
  /// `kelos_kube_requests_total{verb, code}`: an API request attempt was answered or failed.
  counter_family kube_requests;
  /// `kelos_kube_request_duration_seconds{verb}`: send to answer (watch: to response head).
  histogram_family kube_request_duration;
  /// `kelos_kube_watch_restarts_total{resource}`: a watch stream was opened again.
  counter_family watch_restarts;
  /// `kelos_kube_relists_total{resource,cause}`: listed again because a watch could not
  /// resume (`expired`, 410) or a list failed (`list_failed`).
  counter_family relists;
  /// `kelos_github_requests_total{status}`: a GitHub source request was answered or failed.
  counter_family github_requests;
  /// `kelos_github_rate_limit_remaining{spawner}`: last `X-RateLimit-Remaining` seen.
  gauge_family github_rate_limit_remaining;

  /// Registers every family in `r` (idempotent). The unlabelled-by-value families that have
  /// fixed label values (`tasks_waiting` per reason, the queue gauges per controller) get
  /// their series at 0, so a scrape shows them before anything waits.
  static expected<controller_metrics> register_in(registry& r);

  /// Histogram buckets of `kube_request_duration` (client-go's: 5 ms .. 60 s) and of
  /// `reconcile_duration` (controller-runtime's default buckets plus 30 s and 60 s).
  static std::vector<double> request_buckets();
  static std::vector<double> reconcile_buckets();

  /// Counts one GitHub source answer in `github_requests` (`status` 0: none arrived) and,
  /// when `headers` carry `X-RateLimit-Remaining` (any case) as a non-negative integer, sets
  /// `github_rate_limit_remaining{spawner}` to it. `spawner` is "namespace/name".
  void record_github_answer(const std::string& spawner, int status,
                            const std::vector<std::pair<std::string, std::string>>& headers) const;

  /// Drops the per-spawner series of `spawner` ("namespace/name"), once its TaskSpawner
  /// is gone, so a deleted spawner does not report a rate limit forever.
  void forget_spawner(const std::string& spawner) const;
};

} // namespace kelos::metrics
