// Pure parts of the controller's observability metrics: registration, label values,
// waiting counts by reason, Kubernetes verbs, wait reasons, the reconcile-slot observer.

#include "actors/kube_request_labels.hpp"
#include "actors/task/reconcile_slots.hpp"
#include "actors/task/wait_reason.hpp"
#include "runtime/controller_metrics.hpp"
#include "runtime/waiting_counts.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace kelos;
using metrics::wait_reason;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(ControllerMetrics, RegistersEveryFamilyWithTheFixedSeriesAtZero) {
  metrics::registry r;
  auto m = metrics::controller_metrics::register_in(r);
  ASSERT_TRUE(m) << m.error().render();
  auto again = metrics::controller_metrics::register_in(r);
  ASSERT_TRUE(again) << "registration is idempotent: " << again.error().render();
  auto text = r.render();
  // Families with dynamic label values appear with their first series (registry rule).
  m->kube_requests.with({"create", "201"}).inc();
  m->relists.with({"tasks.kelos.dev", "expired"});
  text = r.render();
  for (const char* line : {"# TYPE kelos_reconcile_queue_depth gauge", "# TYPE kelos_tasks_waiting gauge",
                           "kelos_tasks_waiting{reason=\"dependency\"} 0", "kelos_tasks_waiting{reason=\"branch\"} 0",
                           "kelos_tasks_waiting{reason=\"concurrency\"} 0",
                           "kelos_reconcile_queue_depth{controller=\"task\"} 0",
                           "kelos_reconcile_active{controller=\"task\"} 0",
                           "kelos_kube_requests_total{code=\"201\",verb=\"create\"} 1",
                           "# TYPE kelos_kube_relists_total counter",
                           "kelos_kube_relists_total{cause=\"expired\",resource=\"tasks.kelos.dev\"} 0"})
    EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
}

TEST(ControllerMetrics, ANameTakenWithAnotherShapeIsAnError) {
  metrics::registry r;
  ASSERT_TRUE(r.gauge("kelos_kube_requests_total", "other", {}));
  EXPECT_FALSE(metrics::controller_metrics::register_in(r));
}

TEST(ControllerMetrics, StatusLabelIsTheCodeOrError) {
  EXPECT_EQ(metrics::status_label(201), "201");
  EXPECT_EQ(metrics::status_label(404), "404");
  EXPECT_EQ(metrics::status_label(0), "error");
  EXPECT_EQ(metrics::status_label(-1), "error");
  EXPECT_EQ(metrics::status_label(600), "error");
  EXPECT_STREQ(metrics::to_string(metrics::reconcile_result::requeue), "requeue");
  EXPECT_STREQ(metrics::to_string(wait_reason::concurrency), "concurrency");
}

TEST(ControllerMetrics, GithubAnswersCountByStatusAndSetTheRemainingBudget) {
  metrics::registry r;
  auto m = *metrics::controller_metrics::register_in(r);
  m.record_github_answer("ns/a", 200, {{"X-RateLimit-Remaining", "4999"}});
  m.record_github_answer("ns/a", 304, {{"x-ratelimit-remaining", "4998"}});
  m.record_github_answer("ns/b", 0, {});
  m.record_github_answer("ns/b", 200, {{"x-ratelimit-remaining", "lots"}});
  EXPECT_EQ(m.github_requests.with({"200"}).value(), 2);
  EXPECT_EQ(m.github_requests.with({"304"}).value(), 1);
  EXPECT_EQ(m.github_requests.with({"error"}).value(), 1);
  EXPECT_EQ(m.github_rate_limit_remaining.with({"ns/a"}).value(), 4998);
  auto text = r.render();
  EXPECT_EQ(text.find("spawner=\"ns/b\""), std::string::npos) << "no usable header, no series:\n" << text;

  m.forget_spawner("ns/a");
  text = r.render();
  EXPECT_EQ(text.find("spawner=\"ns/a\""), std::string::npos) << "a deleted spawner's series stays:\n" << text;
}

TEST(WaitingCounts, EachOwnerCountsOnceUnderItsCurrentReason) {
  metrics::registry r;
  auto m = *metrics::controller_metrics::register_in(r);
  metrics::waiting_counts w{m.tasks_waiting};
  auto gauge = [&](wait_reason reason) { return m.tasks_waiting.with({metrics::to_string(reason)}).value(); };
  w.set(1, wait_reason::dependency);
  w.set(2, wait_reason::dependency);
  w.set(1, wait_reason::dependency); // again: no double count
  EXPECT_EQ(w.count(wait_reason::dependency), 2u);
  EXPECT_EQ(gauge(wait_reason::dependency), 2);
  w.set(1, wait_reason::branch); // moves
  EXPECT_EQ(gauge(wait_reason::dependency), 1);
  EXPECT_EQ(gauge(wait_reason::branch), 1);
  w.set(1, std::nullopt); // stops waiting
  EXPECT_EQ(gauge(wait_reason::branch), 0);
  w.set(9, wait_reason::concurrency, 5); // a spawner holding back five items
  w.set(9, wait_reason::concurrency, 3);
  EXPECT_EQ(gauge(wait_reason::concurrency), 3);
  w.clear(2); // deleted
  w.clear(2);
  w.clear(42);
  EXPECT_EQ(gauge(wait_reason::dependency), 0);
  w.set(9, wait_reason::concurrency, 0);
  EXPECT_EQ(gauge(wait_reason::concurrency), 0);
  EXPECT_EQ(w.count(wait_reason::concurrency), 0u);
}

TEST(WaitingCounts, WorksWithoutAGauge) {
  metrics::waiting_counts w;
  w.set(1, wait_reason::branch);
  EXPECT_EQ(w.count(wait_reason::branch), 1u);
}

k8s::http_request req(std::string method, std::string path, bool watch = false) {
  k8s::http_request r;
  r.method = std::move(method);
  r.path = std::move(path);
  if (watch)
    r.query = {{"watch", "true"}, {"resourceVersion", "5"}};
  return r;
}

TEST(KubeVerb, ClassifiesMethodPathAndWatch) {
  struct row {
    k8s::http_request r;
    const char* verb;
  };
  const std::vector<row> rows{
    {req("GET", "/apis/kelos.dev/v1alpha1/namespaces/default/tasks"), "list"},
    {req("GET", "/apis/kelos.dev/v1alpha1/tasks"), "list"},
    {req("GET", "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/t1"), "get"},
    {req("GET", "/api/v1/namespaces/default/pods/p/log"), "get"},
    {req("GET", "/api/v1/namespaces"), "list"},
    {req("GET", "/api/v1/namespaces/default"), "get"},
    {req("GET", "/api/v1/pods"), "list"},
    {req("GET", "/api/v1/namespaces/default/pods", true), "watch"},
    {req("GET", "/version"), "get"},
    {req("GET", "/apis"), "get"},
    {req("POST", "/apis/batch/v1/namespaces/default/jobs"), "create"},
    {req("PUT", "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/t1/status"), "update"},
    {req("PATCH", "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/t1"), "patch"},
    {req("DELETE", "/apis/batch/v1/namespaces/default/jobs/j"), "delete"},
    {req("DELETE", "/apis/batch/v1/namespaces/default/jobs"), "deletecollection"},
    {req("HEAD", "/version"), "other"},
  };
  for (const auto& [r, verb] : rows)
    EXPECT_EQ(kube_verb(r), verb) << r.method << " " << r.path;
}

TEST(KubeRequestLabels, EventRequestsAreRecognisedByTheirResource) {
  for (const char* path : {"/api/v1/namespaces/default/events", "/api/v1/namespaces/default/events/e.17a",
                           "/api/v1/events", "/apis/events.k8s.io/v1/namespaces/default/events",
                           "/apis/events.k8s.io/v1/namespaces/default/events/e.17a"})
    EXPECT_TRUE(is_event_request(req("POST", path))) << path;
  for (const char* path : {"/api/v1/namespaces/events", "/api/v1/namespaces/events/pods",
                           "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/events",
                           "/apis/example.com/v1/namespaces/default/events", "/version", "/api", "/apis",
                           "/api/v1/namespaces/default/pods/events/log"})
    EXPECT_FALSE(is_event_request(req("POST", path))) << path;
}

TEST(WaitReason, DependencyThenBranchOtherwiseNone) {
  k8s::task t;
  task::observation obs;
  EXPECT_FALSE(task::wait_reason_of(obs)) << "no Task";
  obs.task = &t;
  EXPECT_FALSE(task::wait_reason_of(obs)) << "nothing asked";
  obs.dependencies = task::dependency_verdict{task::dependency_verdict::kind::waiting, "Waiting for dependency", "a"};
  EXPECT_EQ(task::wait_reason_of(obs), wait_reason::dependency);
  obs.dependencies->what = task::dependency_verdict::kind::failed;
  EXPECT_FALSE(task::wait_reason_of(obs));
  obs.dependencies->what = task::dependency_verdict::kind::ready;
  obs.branch = task::branch_answer{false, "Waiting for branch"};
  EXPECT_EQ(task::wait_reason_of(obs), wait_reason::branch);
  obs.branch->granted = true;
  EXPECT_FALSE(task::wait_reason_of(obs));
  obs.branch->granted = false;
  t.meta.deletion_timestamp = k8s::time_point{};
  EXPECT_FALSE(task::wait_reason_of(obs)) << "a Task being deleted waits for nothing";
}

TEST(ReconcileSlotsObserver, ReportsInUseAndQueueDepthOnEveryChange) {
  task::reconcile_slots slots{1};
  std::vector<std::pair<std::size_t, std::size_t>> seen;
  slots.observe([&](std::size_t in_use, std::size_t waiting) { seen.emplace_back(in_use, waiting); });
  slots.acquire(1, [] {});
  slots.acquire(2, [] {});
  slots.acquire(3, [] {});
  slots.release(3); // leaves the queue
  slots.release(1); // 2 gets the slot
  slots.release(2);
  const std::vector<std::pair<std::size_t, std::size_t>> want{{0, 0}, {1, 0}, {1, 1}, {1, 2}, {1, 1}, {1, 0}, {0, 0}};
  EXPECT_EQ(seen, want);
}

} // namespace
