// A Task's life through the API server (seed §2.1, §2.3, §2.9): events, failure reasons,
// TTL, deletion and its finalizer, spec immutability, schema rejections, and Tasks that
// wait for a missing Workspace, AgentConfig or Secret until it appears.

#include "tests/integration/task_controller_support.hpp"

#include <algorithm>

namespace kelos::test::tc {
namespace {

using Lifecycle = TaskScenario;

TEST_F(Lifecycle, EventsFollowTheLifecycle) {
  ASSERT_TRUE(create(h, task("life")));
  ASSERT_TRUE(gets_job(h, "life"));
  ASSERT_TRUE(reaches_phase(h, "life", "Pending"));
  ASSERT_TRUE(h.run_to_success("life", "claude-code", {"pr: https://github.com/o/r/pull/1"}));
  // Events are posted without waiting for each other: each once, in any order.
  for (const auto* reason : {"TaskCreated", "TaskRunning", "TaskSucceeded", "OutputsCaptured"})
    ASSERT_TRUE(has_events(h, "life", reason, 1));
  auto reasons = h.event_reasons("life");
  std::sort(reasons.begin(), reasons.end());
  std::vector<std::string> expected{"OutputsCaptured", "TaskCreated", "TaskRunning", "TaskSucceeded"};
  EXPECT_EQ(reasons, expected);
  EXPECT_EQ(event_message(h, "life", "TaskCreated"), "Created Job life for task");
  EXPECT_EQ(event_message(h, "life", "TaskRunning"), "Task started running");
  EXPECT_EQ(event_message(h, "life", "TaskSucceeded"), "Task completed successfully");
  EXPECT_EQ(event_message(h, "life", "OutputsCaptured"), "Captured 1 outputs and 1 results from agent");
  auto status = status_of(h, "life");
  EXPECT_EQ(status["outputs"], json::array({"pr: https://github.com/o/r/pull/1"}));
  EXPECT_EQ(status["results"]["pr"], "https://github.com/o/r/pull/1");
}

TEST_F(Lifecycle, FailedJobEmitsTaskFailed) {
  ASSERT_TRUE(create(h, task("doomed")));
  ASSERT_TRUE(start_running(h, "doomed"));
  ASSERT_TRUE(fail_job(h, "doomed"));
  ASSERT_TRUE(reaches_phase(h, "doomed", "Failed"));
  EXPECT_NE(h.task_message("doomed").find("Task failed"), std::string::npos);
  ASSERT_TRUE(has_events(h, "doomed", "TaskFailed", 1));
  auto status = status_of(h, "doomed");
  EXPECT_TRUE(status.contains("completionTime"));
  EXPECT_TRUE(status.contains("startTime"));
  EXPECT_EQ(completed_metric(h, "claude-code", "Failed"), 1);
  EXPECT_EQ(completed_metric(h, "claude-code", "Succeeded"), 0);
}

TEST_F(Lifecycle, DeadlineExceededNamesTheReason) {
  ASSERT_TRUE(create(h, task("slow", {{"podOverrides", {{"activeDeadlineSeconds", 30}}}})));
  ASSERT_TRUE(start_running(h, "slow"));
  EXPECT_EQ(job_of(h, "slow").value_or(json{})["spec"]["activeDeadlineSeconds"], 30);
  ASSERT_TRUE(fail_job(h, "slow", "DeadlineExceeded"));
  ASSERT_TRUE(reaches(h, "slow", "Failed",
                      "Task failed: DeadlineExceeded: Job was active longer than specified deadline"));
  ASSERT_TRUE(has_events(h, "slow", "TaskFailed", 1));
  EXPECT_EQ(event_message(h, "slow", "TaskFailed"), h.task_message("slow"));
}

TEST_F(Lifecycle, TtlDeletesTheTaskAfterItExpires) {
  ASSERT_TRUE(create(h, task("short-lived", {{"ttlSecondsAfterFinished", 1}})));
  ASSERT_TRUE(h.run_to_success("short-lived", "claude-code", {"done: yes"}));
  ASSERT_TRUE(disappears(h, "short-lived"));
  EXPECT_TRUE(has_events(h, "short-lived", "TaskExpired", 1));
  EXPECT_EQ(event_message(h, "short-lived", "TaskExpired"), "Deleting Task due to TTL expiration");
  EXPECT_TRUE(eventually([&] { return !h.job_exists("short-lived"); })) << "the Job goes with its Task";
}

TEST_F(Lifecycle, TtlZeroDeletesAtOnceAndNoTtlKeepsTheTask) {
  ASSERT_TRUE(create(h, task("ttl-zero", {{"ttlSecondsAfterFinished", 0}})));
  ASSERT_TRUE(create(h, task("no-ttl")));
  ASSERT_TRUE(h.run_to_success("no-ttl", "claude-code", {"done: yes"}));
  ASSERT_TRUE(gets_job(h, "ttl-zero"));
  ASSERT_TRUE(h.create_pod("ttl-zero"));
  ASSERT_TRUE(h.set_job_status("ttl-zero", 0, 1, 0));
  ASSERT_TRUE(disappears(h, "ttl-zero"));
  // The Task without a TTL finished first and is reconciled again: it stays.
  ASSERT_TRUE(touch(h, "no-ttl"));
  ASSERT_TRUE(create(h, task("witness")));
  ASSERT_TRUE(reaches_phase(h, "witness", "Pending"));
  EXPECT_EQ(h.task_phase("no-ttl"), "Succeeded");
  EXPECT_EQ(event_count(h, "no-ttl", "TaskExpired"), 0);
}

TEST_F(Lifecycle, TtlAlsoCoversTasksThatFailedWithoutAJob) {
  // Ours: the original never expired Tasks that failed before a Job existed.
  ASSERT_TRUE(create(h, task("upstream")));
  ASSERT_TRUE(create(h, task("downstream", {{"dependsOn", {"upstream"}}, {"ttlSecondsAfterFinished", 0}})));
  ASSERT_TRUE(reaches(h, "downstream", "Waiting", "Waiting for dependency \"upstream\""));
  ASSERT_TRUE(start_running(h, "upstream"));
  ASSERT_TRUE(fail_job(h, "upstream"));
  ASSERT_TRUE(disappears(h, "downstream"));
  EXPECT_TRUE(has_events(h, "downstream", "DependencyFailed", 1));
  EXPECT_FALSE(h.job_exists("downstream"));
}

TEST_F(Lifecycle, DeletingARunningTaskCleansUpAndFreesItsBranch) {
  ASSERT_TRUE(create(h, workspace("ws", {{"repo", "https://github.com/o/r.git"}})));
  ASSERT_TRUE(create(h, task("runner", {{"workspaceRef", {{"name", "ws"}}}, {"branch", "work"}})));
  ASSERT_TRUE(start_running(h, "runner"));
  ASSERT_TRUE(create(h, task("next", {{"workspaceRef", {{"name", "ws"}}}, {"branch", "work"}})));
  ASSERT_TRUE(reaches(h, "next", "Waiting", "Waiting for branch \"work\" (locked by runner)"));
  EXPECT_FALSE(h.job_exists("next"));

  auto r = h.remove("tasks", "default", "runner");
  ASSERT_TRUE(r) << r.error().render();
  ASSERT_TRUE(disappears(h, "runner")) << "the finalizer must be removed";
  EXPECT_TRUE(eventually([&] {
    auto job = job_of(h, "runner");
    return !job || k8s::find_path(*job, "metadata.deletionTimestamp") != nullptr;
  })) << "the Job must be deleted";
  ASSERT_TRUE(gets_job(h, "next"));
  ASSERT_TRUE(reaches(h, "next", "Pending", ""));
}

TEST_F(Lifecycle, SpecIsImmutable) {
  ASSERT_TRUE(create(h, task("fixed")));
  ASSERT_TRUE(gets_job(h, "fixed"));
  const std::string path = "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/fixed";
  auto current = task_of(h, "fixed");
  ASSERT_TRUE(current);
  json changed = *current;
  changed["spec"]["prompt"] = "Do something else";
  // Unconditional (no resourceVersion): the controller's status writes must not turn this into a 409.
  changed["metadata"].erase("resourceVersion");
  auto put = h.request("PUT", path, changed);
  ASSERT_FALSE(put);
  EXPECT_NE(put.error().message.find("HTTP 422"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("Task spec is immutable after creation"), std::string::npos)
    << put.error().message;
  auto patch = h.request("PATCH", path, json{{"spec", {{"branch", "other"}}}}, "application/merge-patch+json");
  ASSERT_FALSE(patch);
  EXPECT_NE(patch.error().message.find("HTTP 422"), std::string::npos) << patch.error().message;
  EXPECT_NE(patch.error().message.find("Task spec is immutable after creation"), std::string::npos)
    << patch.error().message;
  EXPECT_EQ((*task_of(h, "fixed"))["spec"]["prompt"], "Do it");
  EXPECT_TRUE(touch(h, "fixed")) << "metadata stays mutable";
}

TEST_F(Lifecycle, SchemaRejectsInvalidTasksNamingTheField) {
  auto unknown_type = h.create(task("bad-type", {{"type", "cobol-bot"}}));
  ASSERT_FALSE(unknown_type);
  EXPECT_NE(unknown_type.error().message.find("HTTP 422"), std::string::npos) << unknown_type.error().message;
  EXPECT_NE(unknown_type.error().message.find("spec.type"), std::string::npos) << unknown_type.error().message;
  auto no_prompt = h.create(task("no-prompt", {{"prompt", nullptr}}));
  ASSERT_FALSE(no_prompt);
  EXPECT_NE(no_prompt.error().message.find("spec.prompt"), std::string::npos) << no_prompt.error().message;
  auto bad_credentials = h.create(task("bad-creds", {{"credentials", {{"type", "password"}, {"secretRef", {{"name", "x"}}}}}}));
  ASSERT_FALSE(bad_credentials);
  EXPECT_NE(bad_credentials.error().message.find("spec.credentials.type"), std::string::npos)
    << bad_credentials.error().message;
  EXPECT_FALSE(task_of(h, "bad-type"));
  EXPECT_FALSE(task_of(h, "no-prompt"));
}

TEST_F(Lifecycle, MissingWorkspaceWaitsThenProceeds) {
  ASSERT_TRUE(create(h, task("needs-ws", {{"workspaceRef", {{"name", "later"}}}})));
  ASSERT_TRUE(reaches(h, "needs-ws", "Waiting", "Waiting for Workspace \"later\" to be created"));
  EXPECT_FALSE(h.job_exists("needs-ws"));
  ASSERT_TRUE(create(h, workspace("later", {{"repo", "https://github.com/o/r.git"}})));
  ASSERT_TRUE(gets_job(h, "needs-ws"));
  ASSERT_TRUE(reaches(h, "needs-ws", "Pending", ""));
  EXPECT_FALSE(init_container(*job_of(h, "needs-ws"), "git-clone").is_null());
}

TEST_F(Lifecycle, MissingSecretsAndAgentConfigWaitThenProceed) {
  ASSERT_TRUE(create(h, task("needs-creds", {{"credentials", {{"type", "api-key"}, {"secretRef", {{"name", "late-key"}}}}}})));
  ASSERT_TRUE(create(h, workspace("private", {{"repo", "https://github.com/o/r.git"}, {"secretRef", {{"name", "late-gh"}}}})));
  ASSERT_TRUE(create(h, task("needs-gh", {{"workspaceRef", {{"name", "private"}}}})));
  ASSERT_TRUE(create(h, task("needs-cfg", {{"agentConfigRef", {{"name", "late-cfg"}}}})));
  ASSERT_TRUE(reaches(h, "needs-creds", "Waiting", "Waiting for Secret \"late-key\" (credentials) to be created"));
  ASSERT_TRUE(reaches(h, "needs-gh", "Waiting",
                      "Waiting for Secret \"late-gh\" (Workspace \"private\" secretRef) to be created"));
  ASSERT_TRUE(reaches(h, "needs-cfg", "Waiting", "Waiting for AgentConfig \"late-cfg\" to be created"));
  for (const auto* name : {"needs-creds", "needs-gh", "needs-cfg"})
    EXPECT_FALSE(h.job_exists(name)) << name;

  ASSERT_TRUE(create(h, secret("late-key", {{"ANTHROPIC_API_KEY", "sk"}})));
  ASSERT_TRUE(gets_job(h, "needs-creds"));
  ASSERT_TRUE(create(h, secret("late-gh", {{"GITHUB_TOKEN", "ghp"}})));
  ASSERT_TRUE(gets_job(h, "needs-gh"));
  EXPECT_EQ(env_secret(agent_container(*job_of(h, "needs-gh")), "GITHUB_TOKEN"), "late-gh/GITHUB_TOKEN");
  ASSERT_TRUE(create(h, agent_config("late-cfg", {{"agentsMD", "Rules."}})));
  ASSERT_TRUE(gets_job(h, "needs-cfg"));
  EXPECT_EQ(env_value(agent_container(*job_of(h, "needs-cfg")), "KELOS_AGENTS_MD"), "Rules.");
  for (const auto* name : {"needs-creds", "needs-gh", "needs-cfg"}) {
    EXPECT_TRUE(reaches(h, name, "Pending", ""));
    EXPECT_TRUE(has_events(h, name, "TaskCreated", 1)) << name;
  }
}

} // namespace
} // namespace kelos::test::tc
