#include "runtime/controller_metrics.hpp"

#include <charconv>
#include <strings.h>

namespace kelos::metrics {

const char* to_string(reconcile_result r) noexcept {
  switch (r) {
    case reconcile_result::success:
      return "success";
    case reconcile_result::error:
      return "error";
    case reconcile_result::requeue:
      return "requeue";
  }
  return "error";
}

const char* to_string(wait_reason r) noexcept {
  switch (r) {
    case wait_reason::dependency:
      return "dependency";
    case wait_reason::branch:
      return "branch";
    case wait_reason::concurrency:
      return "concurrency";
  }
  return "dependency";
}

std::string status_label(int status) {
  if (status < 100 || status > 599)
    return "error";
  return std::to_string(status);
}

void controller_metrics::record_github_answer(const std::string& spawner, int status,
                                              const std::vector<std::pair<std::string, std::string>>& headers) const {
  github_requests.with({status_label(status)}).inc();
  for (const auto& [name, value] : headers) {
    if (::strcasecmp(name.c_str(), "x-ratelimit-remaining") != 0)
      continue;
    int64_t remaining = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), remaining);
    if (ec == std::errc{} && end == value.data() + value.size() && remaining >= 0)
      github_rate_limit_remaining.with({spawner}).set(static_cast<double>(remaining));
    return;
  }
}

void controller_metrics::forget_spawner(const std::string& spawner) const {
  if (github_rate_limit_remaining)
    github_rate_limit_remaining.remove({spawner});
}

std::vector<double> controller_metrics::request_buckets() {
  return {0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60};
}

std::vector<double> controller_metrics::reconcile_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

expected<controller_metrics> controller_metrics::register_in(registry& r) {
  controller_metrics m;
  auto counter = [&](counter_family& out, std::string_view name, std::string_view help,
                     std::vector<std::string> labels) -> expected<void> {
    auto f = r.counter(name, help, std::move(labels));
    if (!f)
      return std::move(f).error();
    out = *f;
    return {};
  };
  auto gauge = [&](gauge_family& out, std::string_view name, std::string_view help,
                   std::vector<std::string> labels) -> expected<void> {
    auto f = r.gauge(name, help, std::move(labels));
    if (!f)
      return std::move(f).error();
    out = *f;
    return {};
  };
  auto histogram = [&](histogram_family& out, std::string_view name, std::string_view help,
                       std::vector<std::string> labels, std::vector<double> buckets) -> expected<void> {
    auto f = r.histogram(name, help, std::move(labels), std::move(buckets));
    if (!f)
      return std::move(f).error();
    out = *f;
    return {};
  };
  for (auto result : {
         counter(m.reconcile_total, "kelos_reconcile_total", "Total number of reconciliations per controller and result",
                 {"controller", "result"}),
         histogram(m.reconcile_duration, "kelos_reconcile_duration_seconds",
                   "Length of time per reconciliation per controller", {"controller"}, reconcile_buckets()),
         gauge(m.reconcile_queue_depth, "kelos_reconcile_queue_depth",
               "Reconciles waiting for a free reconcile slot", {"controller"}),
         gauge(m.reconcile_active, "kelos_reconcile_active", "Reconcile slots in use", {"controller"}),
         gauge(m.tasks_waiting, "kelos_tasks_waiting",
               "Tasks waiting, by reason (concurrency: work items a TaskSpawner holds back)", {"reason"}),
         counter(m.kube_requests, "kelos_kube_requests_total",
                 "Number of Kubernetes API requests, partitioned by verb and HTTP code", {"verb", "code"}),
         histogram(m.kube_request_duration, "kelos_kube_request_duration_seconds",
                   "Kubernetes API request latency in seconds, by verb", {"verb"}, request_buckets()),
         counter(m.watch_restarts, "kelos_kube_watch_restarts_total",
                 "Watch streams opened again after the previous one ended, by resource", {"resource"}),
         counter(m.relists, "kelos_kube_relists_total",
                 "Lists made again because a watch could not resume (expired) or a list failed (list_failed), by resource",
                 {"resource", "cause"}),
         counter(m.github_requests, "kelos_github_requests_total",
                 "Number of GitHub API requests made by TaskSpawner sources, by HTTP status", {"status"}),
         gauge(m.github_rate_limit_remaining, "kelos_github_rate_limit_remaining",
               "Last X-RateLimit-Remaining GitHub reported to a TaskSpawner (namespace/name)", {"spawner"}),
       }) {
    if (!result)
      return result.error();
  }
  for (auto reason : {wait_reason::dependency, wait_reason::branch, wait_reason::concurrency})
    m.tasks_waiting.with({to_string(reason)});
  m.reconcile_queue_depth.with({"task"});
  m.reconcile_active.with({"task"});
  return m;
}

} // namespace kelos::metrics
