// The Task controller end to end: real KUBE actor over HTTP against the embedded API
// server with the real CRDs; the test plays kubelet and the Job controller.

#include "tests/support/controller_harness.hpp"

#include <gtest/gtest.h>

using namespace kelos;
using kelos::test::controller_harness;
using kelos::test::eventually;
using k8s::json;

namespace {

const char* simple_task = R"(
apiVersion: kelos.dev/v1alpha1
kind: Task
metadata:
  name: hello
spec:
  type: claude-code
  prompt: "Say hello"
  credentials:
    type: api-key
    secretRef:
      name: claude-credentials
)";

const char* credentials_secret = R"(
apiVersion: v1
kind: Secret
metadata:
  name: claude-credentials
stringData:
  ANTHROPIC_API_KEY: sk-test
)";

class TaskController : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(h.start_server());
    ASSERT_TRUE(h.start_controller());
  }
  controller_harness h;
};

TEST_F(TaskController, CreatesJobForApiKeyTask) {
  ASSERT_TRUE(h.create_yaml(credentials_secret));
  ASSERT_TRUE(h.create_yaml(simple_task));
  ASSERT_TRUE(eventually([&] { return h.job_exists("hello"); }));
  auto job = h.get("jobs", "default", "hello");
  ASSERT_TRUE(job);
  const auto& c = (*job)["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["name"], "claude-code");
  EXPECT_EQ(c["args"][0], "Say hello");
  bool has_key = false;
  for (const auto& e : c["env"])
    if (e["name"] == "ANTHROPIC_API_KEY")
      has_key = e["valueFrom"]["secretKeyRef"]["name"] == "claude-credentials";
  EXPECT_TRUE(has_key);
  EXPECT_EQ((*job)["metadata"]["ownerReferences"][0]["kind"], "Task");
  ASSERT_TRUE(eventually([&] { return h.task_phase("hello") == "Pending"; }));
  auto task = h.get("tasks", "default", "hello");
  EXPECT_EQ((*task)["status"]["jobName"], "hello");
  EXPECT_EQ((*task)["metadata"]["finalizers"][0], "kelos.dev/finalizer");
  ASSERT_TRUE(eventually([&] {
    auto r = h.event_reasons("hello");
    return std::find(r.begin(), r.end(), "TaskCreated") != r.end();
  }));
}

TEST_F(TaskController, RunsToSuccessAndCapturesOutputs) {
  ASSERT_TRUE(h.create_yaml(credentials_secret));
  ASSERT_TRUE(h.create_yaml(simple_task));
  ASSERT_TRUE(h.run_to_success("hello", "claude-code",
                               {"branch: kelos/hello", "commit: abc123", "cost-usd: 0.25", "input-tokens: 1000"}));
  ASSERT_TRUE(eventually([&] {
    auto t = h.get("tasks", "default", "hello");
    return t && t->contains("status") && (*t)["status"].contains("results");
  }));
  auto t = h.get("tasks", "default", "hello");
  EXPECT_EQ((*t)["status"]["results"]["branch"], "kelos/hello");
  EXPECT_EQ((*t)["status"]["results"]["commit"], "abc123");
  EXPECT_EQ((*t)["status"]["podName"], h.pod_name_of("hello"));
  EXPECT_EQ((*t)["status"]["message"], "Task completed successfully");
  EXPECT_TRUE((*t)["status"].contains("startTime"));
  EXPECT_TRUE((*t)["status"].contains("completionTime"));
  ASSERT_TRUE(eventually([&] {
    auto r = h.event_reasons("hello");
    return std::find(r.begin(), r.end(), "OutputsCaptured") != r.end();
  }));
  // Events are posted without waiting for each other: compare as a set, creation first.
  auto r = h.event_reasons("hello");
  std::sort(r.begin() + 1, r.end());
  std::vector<std::string> expected{"TaskCreated", "OutputsCaptured", "TaskRunning", "TaskSucceeded"};
  EXPECT_EQ(r, expected);
  auto m = h.metrics_text();
  EXPECT_NE(m.find(R"(kelos_task_created_total{namespace="default",type="claude-code"} 1)"), std::string::npos) << m;
  EXPECT_NE(m.find(R"(kelos_task_completed_total{namespace="default",phase="Succeeded",type="claude-code"} 1)"),
            std::string::npos) << m;
  EXPECT_NE(m.find(R"(kelos_task_cost_usd_total{model="",namespace="default",spawner="",type="claude-code"} 0.25)"),
            std::string::npos) << m;
}

} // namespace
