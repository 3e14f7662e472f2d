// dependsOn through the API server (seed §2.6): waiting, failure propagation (counted
// once), cycles, prompt templates over dependency Outputs and Results, a three-Task
// pipeline on one branch, and the missing-dependency timeout (ours).

#include "tests/integration/task_controller_support.hpp"

namespace kelos::test::tc {
namespace {

using Dependencies = TaskScenario;

std::string prompt_of(controller_harness& h, const std::string& name) {
  auto job = job_of(h, name);
  if (!job)
    return {};
  auto args = agent_container(*job)["args"];
  return args.is_array() && !args.empty() ? args[0].get<std::string>() : std::string{};
}

TEST_F(Dependencies, WaitsForItsDependencyThenRuns) {
  ASSERT_TRUE(create(h, task("first")));
  ASSERT_TRUE(create(h, task("second", {{"dependsOn", {"first"}}})));
  EXPECT_TRUE(held_back_until_success(h, "second", "Waiting for dependency \"first\"", "first"));
}

TEST_F(Dependencies, WaitsForADependencyThatDoesNotExistYet) {
  ASSERT_TRUE(create(h, task("later-dep", {{"dependsOn", {"not-yet"}}})));
  ASSERT_TRUE(reaches(h, "later-dep", "Waiting", "Waiting for dependency \"not-yet\" to be created"));
  ASSERT_TRUE(create(h, task("not-yet")));
  ASSERT_TRUE(reaches(h, "later-dep", "Waiting", "Waiting for dependency \"not-yet\""));
  ASSERT_TRUE(h.run_to_success("not-yet", "claude-code", {"ok: 1"}));
  ASSERT_TRUE(gets_job(h, "later-dep"));
}

TEST_F(Dependencies, FailurePropagatesOnce) {
  ASSERT_TRUE(create(h, task("base")));
  // A different agent type, so its completed metric series is its own.
  ASSERT_TRUE(create(h, task("dependent", {{"type", "codex"}, {"dependsOn", {"base"}}})));
  ASSERT_TRUE(reaches(h, "dependent", "Waiting", "Waiting for dependency \"base\""));
  ASSERT_TRUE(start_running(h, "base"));
  ASSERT_TRUE(fail_job(h, "base"));
  ASSERT_TRUE(reaches(h, "dependent", "Failed", "Dependency \"base\" failed"));
  EXPECT_TRUE(status_of(h, "dependent").contains("completionTime"));
  ASSERT_TRUE(has_events(h, "dependent", "DependencyFailed", 1));
  EXPECT_EQ(event_message(h, "dependent", "DependencyFailed"), "Dependency \"base\" failed");
  EXPECT_EQ(completed_metric(h, "codex", "Failed"), 1);

  // Further reconciles of both (label changes, a status change of the dependency) change nothing.
  auto completion = status_of(h, "dependent")["completionTime"];
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(touch(h, "dependent"));
    ASSERT_TRUE(touch(h, "base"));
  }
  ASSERT_TRUE(create(h, task("witness", {{"dependsOn", {"base"}}})));
  ASSERT_TRUE(reaches(h, "witness", "Failed", "Dependency \"base\" failed"));
  EXPECT_EQ(completed_metric(h, "codex", "Failed"), 1);
  EXPECT_TRUE(has_events(h, "dependent", "DependencyFailed", 1));
  EXPECT_EQ(status_of(h, "dependent")["completionTime"], completion);
  EXPECT_FALSE(h.job_exists("dependent"));
  EXPECT_EQ(h.task_phase("dependent"), "Failed");
}

TEST_F(Dependencies, CycleIsDetected) {
  ASSERT_TRUE(create(h, task("ping", {{"dependsOn", {"pong"}}})));
  ASSERT_TRUE(create(h, task("pong", {{"dependsOn", {"ping"}}})));
  for (const auto* name : {"ping", "pong"}) {
    ASSERT_TRUE(reaches_phase(h, name, "Failed"));
    auto message = h.task_message(name);
    EXPECT_EQ(message.rfind("Circular dependency detected: cycle involves \"" + std::string{name} + "\"", 0), 0u)
      << message;
    EXPECT_TRUE(has_events(h, name, "DependencyFailed", 1)) << name;
    EXPECT_FALSE(h.job_exists(name)) << name;
  }
}

TEST_F(Dependencies, PromptTemplateSeesDependencyOutputs) {
  ASSERT_TRUE(create(h, task("producer")));
  ASSERT_TRUE(create(h, task("consumer", {{"dependsOn", {"producer"}},
                                          {"prompt", "Review:{{range .Deps.producer.Outputs}} [{{.}}]{{end}}"}})));
  ASSERT_TRUE(h.run_to_success("producer", "claude-code", {"https://github.com/o/r/pull/7", "branch: feat"}));
  ASSERT_TRUE(gets_job(h, "consumer"));
  EXPECT_EQ(prompt_of(h, "consumer"), "Review: [https://github.com/o/r/pull/7] [branch: feat]");
}

TEST_F(Dependencies, PromptTemplateSeesDependencyResults) {
  ASSERT_TRUE(create(h, task("producer")));
  ASSERT_TRUE(create(h, task("consumer", {{"dependsOn", {"producer"}},
                                          {"prompt", R"(Fix {{index .Deps "producer" "Results" "branch"}} of {{.Deps.producer.Name}})"}})));
  ASSERT_TRUE(h.run_to_success("producer", "claude-code", {"branch: kelos/fix-1", "commit: abc"}));
  ASSERT_TRUE(gets_job(h, "consumer"));
  EXPECT_EQ(prompt_of(h, "consumer"), "Fix kelos/fix-1 of producer");
}

TEST_F(Dependencies, PipelineOnOneBranchPassesResultsAlong) {
  ASSERT_TRUE(create(h, workspace("ws", {{"repo", "https://github.com/o/r.git"}})));
  auto step = [](const std::string& name, const json& depends_on, const std::string& prompt) {
    return task(name, {{"workspaceRef", {{"name", "ws"}}}, {"branch", "pipeline"}, {"dependsOn", depends_on},
                       {"prompt", prompt}});
  };
  ASSERT_TRUE(create(h, step("c", {"b", "a"},
                             R"(Ship {{index .Deps "a" "Results" "branch"}} after {{index .Deps "b" "Results" "review"}})")));
  ASSERT_TRUE(create(h, step("b", {"a"}, R"(Review {{index .Deps "a" "Results" "branch"}})")));
  ASSERT_TRUE(create(h, step("a", json::array(), "Implement")));

  ASSERT_TRUE(gets_job(h, "a"));
  ASSERT_TRUE(reaches(h, "b", "Waiting", "Waiting for dependency \"a\""));
  ASSERT_TRUE(reaches(h, "c", "Waiting", "Waiting for dependency \"b\""));
  EXPECT_FALSE(h.job_exists("b"));
  EXPECT_FALSE(h.job_exists("c"));
  EXPECT_EQ(prompt_of(h, "a"), "Implement");

  ASSERT_TRUE(h.run_to_success("a", "claude-code", {"branch: kelos/feature-42"}));
  ASSERT_TRUE(gets_job(h, "b"));
  EXPECT_EQ(prompt_of(h, "b"), "Review kelos/feature-42");
  ASSERT_TRUE(reaches(h, "c", "Waiting", "Waiting for dependency \"b\""));
  EXPECT_FALSE(h.job_exists("c"));

  ASSERT_TRUE(h.run_to_success("b", "claude-code", {"review: approved"}));
  ASSERT_TRUE(gets_job(h, "c"));
  EXPECT_EQ(prompt_of(h, "c"), "Ship kelos/feature-42 after approved");
  ASSERT_TRUE(h.run_to_success("c", "claude-code", {"released: yes"}));
  for (const auto* name : {"a", "b", "c"}) {
    EXPECT_TRUE(has_events(h, name, "TaskCreated", 1)) << name;
    EXPECT_EQ(env_value(agent_container(*job_of(h, name)), "KELOS_BRANCH"), "pipeline") << name;
  }
  EXPECT_EQ(created_metric(h, "claude-code"), 3);
  EXPECT_TRUE(eventually([&] { return completed_metric(h, "claude-code", "Succeeded") == 3; })) << h.metrics_text();
}

TEST(DependencyTimeout, MissingDependencyFailsAfterTheTimeout) {
  controller_harness::options opts;
  opts.dependency_timeout = std::chrono::seconds{2};
  controller_harness h{opts};
  ASSERT_TRUE(start(h));
  ASSERT_TRUE(create(h, task("orphan", {{"dependsOn", {"ghost"}}})));
  ASSERT_TRUE(reaches(h, "orphan", "Waiting", "Waiting for dependency \"ghost\" to be created"));
  ASSERT_TRUE(reaches(h, "orphan", "Failed", "Dependency \"ghost\" was not created within 2s"));
  EXPECT_TRUE(has_events(h, "orphan", "DependencyFailed", 1));
  EXPECT_FALSE(h.job_exists("orphan"));
}

} // namespace
} // namespace kelos::test::tc
