// The embedded Job controller end to end: a real embedded API server, the KUBE actor over
// real HTTP and the JOB CONTROLLER; the test plays the kubelet by writing pod status
// through pods/status. Every wait is bounded (`eventually`).

#include "actors/jobs/job_controller.hpp"
#include "actors/jobs/job_sync.hpp"
#include "actors/kube_actor.hpp"
#include "actors/kube_transport.hpp"
#include "actors/task/job_builder.hpp"
#include "k8s/client/rest_config.hpp"
#include "runtime/caf_error.hpp"
#include "tests/support/controller_harness.hpp"

#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

using namespace kelos;
using kelos::test::controller_harness;
using kelos::test::eventually;
using k8s::json;

namespace {

class JobController : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(h.start_server());
    kubeconfig = std::filesystem::temp_directory_path() /
                 ("kelos-job-controller-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    ASSERT_TRUE(h.server().write_kubeconfig(kubeconfig.string()).has_value());
    k8s::client::load_options lo;
    lo.kubeconfig_path = kubeconfig.string();
    auto rc = k8s::client::load_rest_config(lo);
    ASSERT_TRUE(rc.has_value()) << rc.error().render();
    auto client = k8s::http_client::make(transport_config_from(*rc));
    ASSERT_TRUE(client.has_value()) << client.error().render();
    cfg.set("scheduler.max-threads", 2);
    cfg.set("logger.console", caf::atom("none"));
    register_error_category(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    kube_config kc;
    kc.watch.backoff.initial = std::chrono::milliseconds{100};
    kc.watch.backoff.max = std::chrono::milliseconds{500};
    kube = spawn_kube(*sys, make_http_transport(std::shared_ptr<k8s::http_client>(std::move(*client))), kc);
    controller = jobs::spawn_job_controller(*sys, kube, {"", "kelos-local"});
  }

  void TearDown() override {
    if (sys) {
      caf::scoped_actor self{*sys};
      for (auto a : {controller, caf::actor_cast<caf::actor>(kube)}) {
        if (!a)
          continue;
        self->monitor(a);
        self->send_exit(a, caf::exit_reason::user_shutdown);
        self->receive([](caf::down_msg&) {},
                      caf::after(std::chrono::seconds{5}) >> [] { ADD_FAILURE() << "actor did not stop"; });
      }
    }
    controller = nullptr;
    kube = nullptr;
    sys.reset();
    std::error_code ec;
    std::filesystem::remove(kubeconfig, ec);
  }

  /// A Job in "default" running one container, `spec` fields set on top.
  json job(const std::string& name, const json& spec = json::object()) {
    json j = {{"apiVersion", "batch/v1"},
              {"kind", "Job"},
              {"metadata", {{"name", name}, {"namespace", "default"}}},
              {"spec",
               {{"template",
                 {{"metadata", {{"labels", {{"app", "demo"}}}}},
                  {"spec",
                   {{"restartPolicy", "Never"},
                    {"containers", json::array({{{"name", "main"}, {"image", "busybox"}}})}}}}}}}};
    for (auto& [k, v] : spec.items())
      j["spec"][k] = v;
    return j;
  }

  /// Pods whose controller is Job `name`, oldest first.
  std::vector<json> pods_of(const std::string& name) {
    std::vector<json> out;
    auto list = h.request("GET", "/api/v1/namespaces/default/pods");
    if (!list)
      return out;
    for (const auto& p : (*list)["items"])
      if (jobs::controlling_job(p) == name)
        out.push_back(p);
    return out;
  }

  std::optional<json> job_of(const std::string& name) { return h.get("jobs", "default", name); }

  /// Plays the kubelet: writes the pod's phase through pods/status.
  bool set_phase(const std::string& pod, const std::string& phase) {
    auto r = h.request("PATCH", "/api/v1/namespaces/default/pods/" + pod + "/status",
                       json{{"status", {{"phase", phase}}}}, "application/merge-patch+json");
    if (!r)
      ADD_FAILURE() << "pod status: " << r.error().render();
    return r.has_value();
  }

  /// The condition `type` of Job `name` (null when absent).
  json condition(const std::string& name, const std::string& type) {
    auto j = job_of(name);
    if (!j || !(*j)["status"].contains("conditions"))
      return nullptr;
    for (const auto& c : (*j)["status"]["conditions"])
      if (c["type"] == type)
        return c;
    return nullptr;
  }

  /// Waits for `n` pods of Job `name`, then checks that no more appear for a while.
  ::testing::AssertionResult has_pods(const std::string& name, size_t n) {
    if (!eventually([&] { return pods_of(name).size() >= n; }))
      return ::testing::AssertionFailure() << "Job " << name << " has " << pods_of(name).size() << " pods, want " << n;
    eventually([&] { return pods_of(name).size() > n; }, std::chrono::milliseconds{300});
    auto got = pods_of(name).size();
    if (got != n)
      return ::testing::AssertionFailure() << "Job " << name << " has " << got << " pods, want " << n;
    return ::testing::AssertionSuccess();
  }

  static inline int counter = 0;
  controller_harness h;
  std::filesystem::path kubeconfig;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  kube_actor kube;
  caf::actor controller;
};

TEST_F(JobController, CreatesOnePodAndCompletesWhenItSucceeds) {
  ASSERT_TRUE(h.create(job("hello")).has_value());
  ASSERT_TRUE(has_pods("hello", 1));
  auto stored = job_of("hello");
  ASSERT_TRUE(stored);
  json pod = pods_of("hello")[0];
  EXPECT_EQ(pod["metadata"]["generateName"], "hello-");
  EXPECT_EQ(pod["metadata"]["name"].get<std::string>().rfind("hello-", 0), 0u);
  auto uid = (*stored)["metadata"]["uid"];
  EXPECT_EQ(pod["metadata"]["labels"]["app"], "demo");
  EXPECT_EQ(pod["metadata"]["labels"]["batch.kubernetes.io/job-name"], "hello");
  EXPECT_EQ(pod["metadata"]["labels"]["job-name"], "hello");
  EXPECT_EQ(pod["metadata"]["labels"]["batch.kubernetes.io/controller-uid"], uid);
  EXPECT_EQ(pod["metadata"]["labels"]["controller-uid"], uid);
  const json& owner = pod["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner["apiVersion"], "batch/v1");
  EXPECT_EQ(owner["kind"], "Job");
  EXPECT_EQ(owner["name"], "hello");
  EXPECT_EQ(owner["uid"], uid);
  EXPECT_EQ(owner["controller"], true);
  EXPECT_EQ(owner["blockOwnerDeletion"], true);
  EXPECT_EQ(pod["spec"]["nodeName"], "kelos-local");
  EXPECT_EQ(pod["spec"]["restartPolicy"], "Never");
  ASSERT_TRUE(eventually([&] { return job_of("hello")->value("/status/active"_json_pointer, 0) == 1; }));
  EXPECT_TRUE(job_of("hello")->contains("status"));
  EXPECT_TRUE((*job_of("hello"))["status"].contains("startTime"));

  ASSERT_TRUE(set_phase(pod["metadata"]["name"], "Succeeded"));
  ASSERT_TRUE(eventually([&] { return !condition("hello", "Complete").is_null(); }));
  auto done = *job_of("hello");
  const json& s = done["status"];
  EXPECT_EQ(s.value("succeeded", 0), 1);
  EXPECT_EQ(s.value("active", 0), 0);
  EXPECT_EQ(s.value("failed", 0), 0);
  EXPECT_TRUE(s.contains("completionTime"));
  EXPECT_TRUE(s.contains("startTime"));
  auto complete = condition("hello", "Complete");
  EXPECT_EQ(complete["status"], "True");
  EXPECT_EQ(complete["reason"], "CompletionsReached");
  EXPECT_EQ(condition("hello", "SuccessCriteriaMet")["status"], "True");
  EXPECT_TRUE(has_pods("hello", 1)) << "no pod after completion";
}

TEST_F(JobController, ParallelPodsUpToCompletionsWithoutDuplicatesUnderResyncs) {
  ASSERT_TRUE(h.create(job("batch", {{"completions", 4}, {"parallelism", 2}})).has_value());
  // Every label change is a Job event and a sync; none may create a pod twice.
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(h.request("PATCH", "/apis/batch/v1/namespaces/default/jobs/batch",
                          json{{"metadata", {{"labels", {{"touch", std::to_string(i)}}}}}},
                          "application/merge-patch+json")
                  .has_value());
  ASSERT_TRUE(has_pods("batch", 2));
  for (const auto& p : pods_of("batch"))
    ASSERT_TRUE(set_phase(p["metadata"]["name"], "Succeeded"));
  ASSERT_TRUE(has_pods("batch", 4));
  for (const auto& p : pods_of("batch")) {
    if (p["status"]["phase"] != "Succeeded") {
      ASSERT_TRUE(set_phase(p["metadata"]["name"], "Succeeded"));
    }
  }
  ASSERT_TRUE(eventually([&] { return !condition("batch", "Complete").is_null(); }));
  EXPECT_EQ((*job_of("batch"))["status"].value("succeeded", 0), 4);
  EXPECT_TRUE(has_pods("batch", 4));
}

TEST_F(JobController, FailedPodIsRetriedUntilTheBackoffLimit) {
  ASSERT_TRUE(h.create(job("flaky", {{"backoffLimit", 1}})).has_value());
  ASSERT_TRUE(has_pods("flaky", 1));
  auto first = pods_of("flaky")[0]["metadata"]["name"].get<std::string>();
  ASSERT_TRUE(set_phase(first, "Failed"));
  ASSERT_TRUE(has_pods("flaky", 2));
  EXPECT_TRUE(eventually([&] { return job_of("flaky")->value("/status/failed"_json_pointer, 0) == 1; }));
  std::string second;
  for (const auto& p : pods_of("flaky"))
    if (p["metadata"]["name"] != first)
      second = p["metadata"]["name"];
  ASSERT_FALSE(second.empty());
  ASSERT_TRUE(set_phase(second, "Failed"));
  ASSERT_TRUE(eventually([&] { return !condition("flaky", "Failed").is_null(); }));
  auto failed = condition("flaky", "Failed");
  EXPECT_EQ(failed["status"], "True");
  EXPECT_EQ(failed["reason"], "BackoffLimitExceeded");
  EXPECT_EQ(failed["message"], "Job has reached the specified backoff limit");
  EXPECT_EQ(condition("flaky", "FailureTarget")["reason"], "BackoffLimitExceeded");
  auto s = (*job_of("flaky"))["status"];
  EXPECT_EQ(s.value("failed", 0), 2);
  EXPECT_FALSE(s.contains("completionTime"));
  EXPECT_TRUE(has_pods("flaky", 2)) << "no third pod";
}

TEST_F(JobController, ActiveDeadlineDeletesThePodAndFailsTheJob) {
  ASSERT_TRUE(h.create(job("slow", {{"activeDeadlineSeconds", 1}})).has_value());
  ASSERT_TRUE(eventually([&] { return pods_of("slow").size() == 1; }));
  ASSERT_TRUE(set_phase(pods_of("slow")[0]["metadata"]["name"], "Running"));
  ASSERT_TRUE(eventually([&] { return !condition("slow", "Failed").is_null(); }, std::chrono::seconds{10}));
  auto failed = condition("slow", "Failed");
  EXPECT_EQ(failed["reason"], "DeadlineExceeded");
  EXPECT_EQ(failed["message"], "Job was active longer than specified deadline");
  EXPECT_TRUE(pods_of("slow").empty()) << "the pod was deleted";
  auto s = (*job_of("slow"))["status"];
  EXPECT_EQ(s.value("failed", 0), 1);
  EXPECT_EQ(s.value("active", 0), 0);
}

TEST_F(JobController, TtlZeroDeletesTheFinishedJob) {
  ASSERT_TRUE(h.create(job("brief", {{"ttlSecondsAfterFinished", 0}})).has_value());
  ASSERT_TRUE(eventually([&] { return pods_of("brief").size() == 1; }));
  ASSERT_TRUE(set_phase(pods_of("brief")[0]["metadata"]["name"], "Succeeded"));
  EXPECT_TRUE(eventually([&] { return !job_of("brief").has_value(); }));
  EXPECT_TRUE(eventually([&] { return pods_of("brief").empty(); })) << "pods follow by garbage collection";
}

TEST_F(JobController, TaskJobPodKeepsInitContainersVolumesAndEnvVerbatim) {
  k8s::task t;
  t.meta.name = "fix-bug";
  t.meta.namespace_ = "default";
  t.meta.uid = "task-uid";
  t.spec.type = "claude-code";
  t.spec.prompt = "Fix the bug";
  t.spec.credentials = k8s::task_credentials{"api-key", "agent-creds"};
  k8s::workspace_spec w;
  w.repo = "https://github.com/acme/app.git";
  w.ref = "main";
  auto built = task::build_job(task::job_inputs{&t, &w, nullptr, "Fix the bug"}, task::default_job_builder_config());
  ASSERT_TRUE(built.has_value()) << built.error().render();
  json j = *built;
  // The owning Task does not exist here; keep the Job from being garbage-collected.
  j["metadata"].erase("ownerReferences");
  ASSERT_TRUE(h.create(j).has_value());
  ASSERT_TRUE(has_pods("fix-bug", 1));
  json pod = pods_of("fix-bug")[0];
  const json& tmpl = (*built)["spec"]["template"]["spec"];
  ASSERT_TRUE(tmpl.contains("initContainers"));
  EXPECT_EQ(pod["spec"]["initContainers"], tmpl["initContainers"]);
  EXPECT_EQ(pod["spec"]["volumes"], tmpl["volumes"]);
  EXPECT_EQ(pod["spec"]["containers"][0]["env"], tmpl["containers"][0]["env"]);
  EXPECT_EQ(pod["spec"]["containers"][0]["command"], tmpl["containers"][0]["command"]);
  EXPECT_EQ(pod["spec"]["securityContext"], tmpl["securityContext"]);
  EXPECT_EQ(pod["spec"]["nodeName"], "kelos-local");
  EXPECT_EQ(pod["metadata"]["labels"]["kelos.dev/task"], "fix-bug");
}

} // namespace
