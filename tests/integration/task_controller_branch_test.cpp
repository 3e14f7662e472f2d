// Branch serialisation through the API server (seed §2.5): one Pending/Running Task per
// (workspace, branch), FIFO hand-over, spawner-style branches, and a controller restart
// in the middle of a pipeline that must neither create anything twice nor let a newer
// waiter overtake one queued before the restart.

#include "tests/integration/task_controller_support.hpp"

#include <thread>

namespace kelos::test::tc {
namespace {

using Branches = TaskScenario;

json on_branch(const std::string& name, const std::string& ws, const std::string& branch,
               const std::map<std::string, std::string>& labels = {}) {
  return task(name, {{"workspaceRef", {{"name", ws}}}, {"branch", branch}}, labels);
}

void make_workspaces(controller_harness& h) {
  ASSERT_TRUE(create(h, workspace("ws", {{"repo", "https://github.com/o/r.git"}})));
  ASSERT_TRUE(create(h, workspace("other", {{"repo", "https://github.com/o/other.git"}})));
}

TEST_F(Branches, SameBranchIsMutuallyExclusive) {
  make_workspaces(h);
  ASSERT_TRUE(create(h, on_branch("holder", "ws", "feature")));
  ASSERT_TRUE(reaches_phase(h, "holder", "Pending"));
  ASSERT_TRUE(create(h, on_branch("waiter", "ws", "feature")));
  EXPECT_TRUE(held_back_until_success(h, "waiter", "Waiting for branch \"feature\" (locked by holder)", "holder"));
}

TEST_F(Branches, SameBranchInDifferentWorkspacesDoesNotBlock) {
  make_workspaces(h);
  ASSERT_TRUE(create(h, on_branch("in-ws", "ws", "main-work")));
  ASSERT_TRUE(create(h, on_branch("in-other", "other", "main-work")));
  ASSERT_TRUE(gets_job(h, "in-ws"));
  ASSERT_TRUE(gets_job(h, "in-other"));
  EXPECT_TRUE(reaches_phase(h, "in-ws", "Pending"));
  EXPECT_TRUE(reaches_phase(h, "in-other", "Pending"));
}

TEST_F(Branches, BranchWithoutWorkspaceWarnsAndStillLocks) {
  ASSERT_TRUE(create(h, task("bare-1", {{"branch", "loose"}})));
  ASSERT_TRUE(gets_job(h, "bare-1"));
  EXPECT_TRUE(has_events(h, "bare-1", "BranchWithoutWorkspace", 1));
  EXPECT_EQ(env_value(agent_container(*job_of(h, "bare-1")), "KELOS_BRANCH"), "loose");
  EXPECT_TRUE(init_container_names(*job_of(h, "bare-1")).empty());
  ASSERT_TRUE(create(h, task("bare-2", {{"branch", "loose"}})));
  ASSERT_TRUE(reaches(h, "bare-2", "Waiting", "Waiting for branch \"loose\" (locked by bare-1)"));
}

TEST_F(Branches, SpawnerTasksWithUniqueBranchesRunTogether) {
  make_workspaces(h);
  const std::map<std::string, std::string> spawned{{"kelos.dev/taskspawner", "issues"}};
  ASSERT_TRUE(create(h, on_branch("issues-1", "ws", "kelos-task-1", spawned)));
  ASSERT_TRUE(create(h, on_branch("issues-2", "ws", "kelos-task-2", spawned)));
  for (const auto* name : {"issues-1", "issues-2"}) {
    ASSERT_TRUE(gets_job(h, name));
    auto c = agent_container(*job_of(h, name));
    EXPECT_EQ(env_value(c, "KELOS_TASKSPAWNER"), "issues");
    EXPECT_EQ(env_value(c, "KELOS_BRANCH"), std::string{"kelos-task-"} + name[7]);
  }
}

TEST_F(Branches, SpawnerTasksWithTheSameBranchAreSerialised) {
  make_workspaces(h);
  const std::map<std::string, std::string> spawned{{"kelos.dev/taskspawner", "cron"}};
  ASSERT_TRUE(create(h, on_branch("cron-1", "ws", "kelos-nightly", spawned)));
  ASSERT_TRUE(reaches_phase(h, "cron-1", "Pending"));
  ASSERT_TRUE(create(h, on_branch("cron-2", "ws", "kelos-nightly", spawned)));
  ASSERT_TRUE(reaches(h, "cron-2", "Waiting", "Waiting for branch \"kelos-nightly\" (locked by cron-1)"));
  ASSERT_TRUE(start_running(h, "cron-1"));
  ASSERT_TRUE(fail_job(h, "cron-1"));
  ASSERT_TRUE(reaches_phase(h, "cron-1", "Failed"));
  ASSERT_TRUE(gets_job(h, "cron-2")) << "a failed holder releases the branch too";
}

TEST_F(Branches, WaitersAreServedInCreationOrder) {
  make_workspaces(h);
  ASSERT_TRUE(create(h, on_branch("q-holder", "ws", "queue")));
  ASSERT_TRUE(reaches_phase(h, "q-holder", "Pending"));
  // Names sort against creation order, so only creation time can put "q-zulu" first.
  ASSERT_TRUE(create(h, on_branch("q-zulu", "ws", "queue")));
  ASSERT_TRUE(reaches_phase(h, "q-zulu", "Waiting"));
  auto zulu_created = (*task_of(h, "q-zulu"))["metadata"]["creationTimestamp"].get<std::string>();
  // creationTimestamp has one-second resolution: make the next Task strictly newer.
  ASSERT_TRUE(eventually([&] { return k8s::format_time(k8s::now()) > zulu_created; }, std::chrono::seconds{3}));
  ASSERT_TRUE(create(h, on_branch("q-alpha", "ws", "queue")));
  ASSERT_TRUE(reaches(h, "q-alpha", "Waiting", "Waiting for branch \"queue\" (locked by q-holder)"));
  ASSERT_TRUE(h.run_to_success("q-holder", "claude-code", {"done: 1"}));
  ASSERT_TRUE(gets_job(h, "q-zulu"));
  ASSERT_TRUE(reaches(h, "q-alpha", "Waiting", "Waiting for branch \"queue\" (locked by q-zulu)"));
  EXPECT_FALSE(h.job_exists("q-alpha"));
}

TEST_F(Branches, ControllerRestartCreatesNothingTwiceAndKeepsTheQueue) {
  make_workspaces(h);
  // A branch holder that is running, and a waiter queued behind it.
  ASSERT_TRUE(create(h, on_branch("r-holder", "ws", "shared")));
  ASSERT_TRUE(start_running(h, "r-holder"));
  ASSERT_TRUE(create(h, on_branch("r-zulu", "ws", "shared")));
  ASSERT_TRUE(reaches(h, "r-zulu", "Waiting", "Waiting for branch \"shared\" (locked by r-holder)"));
  // A pipeline: p1 running, p2 waiting for it.
  ASSERT_TRUE(create(h, task("p1")));
  ASSERT_TRUE(start_running(h, "p1"));
  ASSERT_TRUE(create(h, task("p2", {{"dependsOn", {"p1"}}, {"prompt", R"(Use {{index .Deps "p1" "Results" "out"}})"}})));
  ASSERT_TRUE(reaches(h, "p2", "Waiting", "Waiting for dependency \"p1\""));
  std::map<std::string, std::string> job_uids;
  for (const auto* name : {"r-holder", "p1"})
    job_uids[name] = (*job_of(h, name))["metadata"]["uid"].get<std::string>();
  auto zulu_created = (*task_of(h, "r-zulu"))["metadata"]["creationTimestamp"].get<std::string>();

  h.stop_controller();
  // While the controller is down: p1 finishes, and a newer Task asks for the same branch.
  h.append_log("p1", "claude-code", "---KELOS_OUTPUTS_START---\nout: artefact-9\n---KELOS_OUTPUTS_END---\n");
  ASSERT_TRUE(h.set_job_status("p1", 0, 1, 0));
  ASSERT_TRUE(eventually([&] { return k8s::format_time(k8s::now()) > zulu_created; }, std::chrono::seconds{3}));
  ASSERT_TRUE(create(h, on_branch("r-alpha", "ws", "shared")));
  ASSERT_TRUE(h.start_controller());

  ASSERT_TRUE(reaches_phase(h, "p1", "Succeeded"));
  ASSERT_TRUE(gets_job(h, "p2"));
  EXPECT_EQ(agent_container(*job_of(h, "p2"))["args"][0], "Use artefact-9");
  ASSERT_TRUE(reaches(h, "r-alpha", "Waiting", "Waiting for branch \"shared\" (locked by r-holder)"));
  EXPECT_EQ(h.task_phase("r-holder"), "Running");
  EXPECT_EQ(h.task_phase("r-zulu"), "Waiting");

  // The holder finishes: the waiter from before the restart goes first.
  ASSERT_TRUE(h.set_job_status("r-holder", 0, 1, 0));
  ASSERT_TRUE(reaches_phase(h, "r-holder", "Succeeded"));
  ASSERT_TRUE(gets_job(h, "r-zulu"));
  ASSERT_TRUE(reaches(h, "r-alpha", "Waiting", "Waiting for branch \"shared\" (locked by r-zulu)"));
  EXPECT_FALSE(h.job_exists("r-alpha"));

  for (const auto& [name, uid] : job_uids)
    EXPECT_EQ((*job_of(h, name))["metadata"]["uid"], uid) << name << "'s Job was recreated";
  for (const auto* name : {"r-holder", "r-zulu", "p1", "p2"})
    EXPECT_TRUE(has_events(h, name, "TaskCreated", 1)) << name;
  for (const auto* name : {"r-holder", "p1"})
    EXPECT_TRUE(has_events(h, name, "TaskRunning", 1)) << name;
  EXPECT_EQ(event_count(h, "r-alpha", "TaskCreated"), 0);
  // The restarted controller's registry counts only what it created: p2 and r-zulu.
  EXPECT_EQ(created_metric(h, "claude-code"), 2) << h.metrics_text();
}

} // namespace
} // namespace kelos::test::tc
