// The Job the controller creates for a Task, read back from the API server (seed §2.2 and
// the original's task_test.go Job-creation cases): credentials per agent type, workspace
// clone, tokens, GitHub Enterprise, custom images and the init containers.

#include "tests/integration/task_controller_support.hpp"

namespace kelos::test::tc {
namespace {

using JobSpec = TaskScenario;

/// Creates `t` (and whatever it needs first) and returns its Job.
json job_for(controller_harness& h, const json& t) {
  if (!create(h, t))
    return json{};
  auto name = k8s::get_string(t["metadata"], "name");
  if (!gets_job(h, name))
    return json{};
  return job_of(h, name).value_or(json{});
}

const json github_workspace = {{"repo", "https://github.com/kelos-dev/kelos.git"}, {"ref", "main"}};

TEST_F(JobSpec, OAuthCredentialsUseTheOAuthTokenKey) {
  auto job = job_for(h, task("oauth", {{"credentials", {{"type", "oauth"}, {"secretRef", {{"name", credentials}}}}}}));
  auto c = agent_container(job);
  EXPECT_EQ(env_secret(c, "CLAUDE_CODE_OAUTH_TOKEN"), std::string{credentials} + "/CLAUDE_CODE_OAUTH_TOKEN");
  EXPECT_TRUE(env_of(c, "ANTHROPIC_API_KEY").is_null());
  EXPECT_EQ(env_value(c, "KELOS_AGENT_TYPE"), "claude-code");
  EXPECT_EQ(c["image"], "ghcr.io/kelos-dev/claude-code:latest");
  EXPECT_EQ(job["spec"]["backoffLimit"], 0);
  EXPECT_EQ(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
  for (const auto* label : {"app.kubernetes.io/name", "app.kubernetes.io/component", "app.kubernetes.io/managed-by"})
    EXPECT_TRUE(job["metadata"]["labels"].contains(label)) << label;
  EXPECT_EQ(job["metadata"]["labels"]["kelos.dev/task"], "oauth");
}

TEST_F(JobSpec, WorkspaceWithRefClonesThatBranch) {
  ASSERT_TRUE(create(h, workspace("ws", github_workspace)));
  auto job = job_for(h, task("with-ref", {{"workspaceRef", {{"name", "ws"}}}}));
  EXPECT_EQ(init_container_names(job), std::vector<std::string>{"git-clone"});
  auto clone = init_container(job, "git-clone");
  json expected_args = {"clone",  "--branch", "main", "--no-single-branch", "--depth", "1", "--",
                        "https://github.com/kelos-dev/kelos.git", "/workspace/repo"};
  EXPECT_EQ(clone["args"], expected_args);
  EXPECT_FALSE(clone.contains("command")) << "without a token the image's git entrypoint runs";
  auto c = agent_container(job);
  EXPECT_EQ(c["workingDir"], "/workspace/repo");
  EXPECT_EQ(c["volumeMounts"][0]["mountPath"], "/workspace");
  EXPECT_EQ(env_value(c, "KELOS_BASE_BRANCH"), "main");
  EXPECT_TRUE(env_of(c, "GITHUB_TOKEN").is_null());
  EXPECT_TRUE(env_of(c, "GH_HOST").is_null()) << "github.com is not Enterprise";
  EXPECT_EQ(job["spec"]["template"]["spec"]["volumes"][0]["name"], "workspace");
}

TEST_F(JobSpec, WorkspaceSecretGivesGithubTokenToCloneAndAgent) {
  ASSERT_TRUE(create(h, secret("gh", {{"GITHUB_TOKEN", "ghp-test"}})));
  ASSERT_TRUE(create(h, workspace("ws", {{"repo", "https://github.com/kelos-dev/kelos.git"},
                                         {"secretRef", {{"name", "gh"}}}})));
  auto job = job_for(h, task("with-secret", {{"workspaceRef", {{"name", "ws"}}}}));
  auto clone = init_container(job, "git-clone");
  EXPECT_EQ(env_secret(clone, "GITHUB_TOKEN"), "gh/GITHUB_TOKEN");
  EXPECT_EQ(env_secret(clone, "GH_TOKEN"), "gh/GITHUB_TOKEN");
  ASSERT_TRUE(clone.contains("command"));
  EXPECT_EQ(clone["command"][0], "sh");
  EXPECT_NE(clone["command"].back().get<std::string>().find("credential.helper"), std::string::npos);
  auto c = agent_container(job);
  EXPECT_EQ(env_secret(c, "GITHUB_TOKEN"), "gh/GITHUB_TOKEN");
  EXPECT_EQ(env_secret(c, "GH_TOKEN"), "gh/GITHUB_TOKEN");
  EXPECT_TRUE(env_of(c, "GH_ENTERPRISE_TOKEN").is_null());
}

TEST_F(JobSpec, WorkspaceWithoutRefClonesTheDefaultBranch) {
  ASSERT_TRUE(create(h, workspace("ws", {{"repo", "https://github.com/kelos-dev/kelos.git"}})));
  auto job = job_for(h, task("no-ref", {{"workspaceRef", {{"name", "ws"}}}}));
  auto args = init_container(job, "git-clone")["args"];
  ASSERT_TRUE(args.is_array());
  for (const auto& a : args)
    EXPECT_NE(a, "--branch");
  EXPECT_TRUE(env_of(agent_container(job), "KELOS_BASE_BRANCH").is_null());
}

TEST_F(JobSpec, CustomImageWithWorkspace) {
  ASSERT_TRUE(create(h, workspace("ws", github_workspace)));
  auto job = job_for(h, task("custom", {{"image", "registry.example.com/my-agent:v1"},
                                        {"workspaceRef", {{"name", "ws"}}},
                                        {"model", "opus"}}));
  auto c = agent_container(job);
  EXPECT_EQ(c["image"], "registry.example.com/my-agent:v1");
  EXPECT_EQ(c["name"], "claude-code");
  EXPECT_EQ(c["command"][0], "/kelos_entrypoint.sh");
  EXPECT_EQ(env_value(c, "KELOS_MODEL"), "opus");
  EXPECT_FALSE(init_container(job, "git-clone").is_null());
}

TEST_F(JobSpec, GithubEnterpriseSetsHostAndEnterpriseToken) {
  ASSERT_TRUE(create(h, secret("ghe", {{"GITHUB_TOKEN", "ghe-test"}})));
  ASSERT_TRUE(create(h, workspace("ghe", {{"repo", "https://github.example.com/team/service.git"},
                                          {"secretRef", {{"name", "ghe"}}}})));
  auto job = job_for(h, task("enterprise", {{"workspaceRef", {{"name", "ghe"}}}}));
  auto c = agent_container(job);
  EXPECT_EQ(env_value(c, "GH_HOST"), "github.example.com");
  EXPECT_EQ(env_secret(c, "GH_ENTERPRISE_TOKEN"), "ghe/GITHUB_TOKEN");
  EXPECT_TRUE(env_of(c, "GH_TOKEN").is_null());
  auto clone = init_container(job, "git-clone");
  EXPECT_EQ(env_value(clone, "GH_HOST"), "github.example.com");
  EXPECT_EQ(env_secret(clone, "GITHUB_TOKEN"), "ghe/GITHUB_TOKEN");
}

TEST_F(JobSpec, CodexApiKey) {
  auto job = job_for(h, task("codex-key", {{"type", "codex"}}));
  auto c = agent_container(job);
  EXPECT_EQ(c["name"], "codex");
  EXPECT_EQ(c["image"], "ghcr.io/kelos-dev/codex:latest");
  EXPECT_EQ(env_secret(c, "CODEX_API_KEY"), std::string{credentials} + "/CODEX_API_KEY");
  EXPECT_EQ(env_value(c, "KELOS_AGENT_TYPE"), "codex");
  EXPECT_TRUE(env_of(c, "ANTHROPIC_API_KEY").is_null());
  ASSERT_TRUE(eventually([&] { return created_metric(h, "codex") == 1; })) << h.metrics_text();
}

TEST_F(JobSpec, CodexWithWorkspace) {
  ASSERT_TRUE(create(h, workspace("ws", github_workspace)));
  auto job = job_for(h, task("codex-ws", {{"type", "codex"}, {"workspaceRef", {{"name", "ws"}}}}));
  auto c = agent_container(job);
  EXPECT_EQ(c["name"], "codex");
  EXPECT_EQ(c["workingDir"], "/workspace/repo");
  EXPECT_EQ(env_value(c, "KELOS_BASE_BRANCH"), "main");
  EXPECT_FALSE(init_container(job, "git-clone").is_null());
}

TEST_F(JobSpec, CodexOAuthUsesAuthJson) {
  auto job = job_for(h, task("codex-oauth", {{"type", "codex"},
                                             {"credentials", {{"type", "oauth"}, {"secretRef", {{"name", credentials}}}}}}));
  auto c = agent_container(job);
  EXPECT_EQ(env_secret(c, "CODEX_AUTH_JSON"), std::string{credentials} + "/CODEX_AUTH_JSON");
  EXPECT_TRUE(env_of(c, "CODEX_API_KEY").is_null());
}

TEST_F(JobSpec, OpenCodeApiKey) {
  auto job = job_for(h, task("opencode", {{"type", "opencode"}}));
  auto c = agent_container(job);
  EXPECT_EQ(c["name"], "opencode");
  EXPECT_EQ(c["image"], "ghcr.io/kelos-dev/opencode:latest");
  EXPECT_EQ(env_secret(c, "OPENCODE_API_KEY"), std::string{credentials} + "/OPENCODE_API_KEY");
}

TEST_F(JobSpec, BranchSetupInitContainerChecksOutTheBranch) {
  ASSERT_TRUE(create(h, workspace("ws", github_workspace)));
  auto job = job_for(h, task("branchy", {{"workspaceRef", {{"name", "ws"}}}, {"branch", "feature/x"}}));
  EXPECT_EQ(init_container_names(job), (std::vector<std::string>{"git-clone", "branch-setup"}));
  auto setup = init_container(job, "branch-setup");
  EXPECT_EQ(env_value(setup, "KELOS_BRANCH"), "feature/x");
  auto script = setup["command"].back().get<std::string>();
  EXPECT_NE(script.find(R"(git checkout -b "$KELOS_BRANCH")"), std::string::npos) << script;
  EXPECT_EQ(script.find("feature/x"), std::string::npos) << "the branch reaches the shell only as a variable";
  EXPECT_EQ(env_value(agent_container(job), "KELOS_BRANCH"), "feature/x");
  EXPECT_EQ(event_count(h, "branchy", "BranchWithoutWorkspace"), 0);
}

TEST_F(JobSpec, RemoteSetupInitContainerAddsRemotes) {
  ASSERT_TRUE(create(h, workspace("fork", {{"repo", "https://github.com/me/kelos.git"},
                                           {"remotes", json::array({{{"name", "upstream"},
                                                                     {"url", "https://github.com/kelos-dev/kelos.git"}}})}})));
  auto job = job_for(h, task("remotes", {{"workspaceRef", {{"name", "fork"}}}, {"branch", "fix"}}));
  EXPECT_EQ(init_container_names(job), (std::vector<std::string>{"git-clone", "remote-setup", "branch-setup"}));
  auto script = init_container(job, "remote-setup")["command"].back().get<std::string>();
  EXPECT_NE(script.find("git remote add -- 'upstream' 'https://github.com/kelos-dev/kelos.git'"), std::string::npos)
    << script;
  EXPECT_EQ(env_value(agent_container(job), "KELOS_UPSTREAM_REPO"), "kelos-dev/kelos");
}

TEST_F(JobSpec, AgentConfigAndPodOverridesReachThePod) {
  ASSERT_TRUE(create(h, agent_config("cfg", {{"agentsMD", "Be brief."}})));
  auto job = job_for(h, task("configured", {{"agentConfigRef", {{"name", "cfg"}}},
                                            {"podOverrides",
                                             {{"activeDeadlineSeconds", 600},
                                              {"nodeSelector", {{"pool", "agents"}}},
                                              {"env", json::array({{{"name", "EXTRA"}, {"value", "1"}},
                                                                   {{"name", "KELOS_AGENT_TYPE"}, {"value", "evil"}}})}}}}));
  auto c = agent_container(job);
  EXPECT_EQ(env_value(c, "KELOS_AGENTS_MD"), "Be brief.");
  EXPECT_EQ(env_value(c, "EXTRA"), "1");
  EXPECT_EQ(env_value(c, "KELOS_AGENT_TYPE"), "claude-code") << "built-in env wins over podOverrides.env";
  EXPECT_EQ(job["spec"]["activeDeadlineSeconds"], 600);
  EXPECT_EQ(job["spec"]["template"]["spec"]["nodeSelector"]["pool"], "agents");
}

} // namespace
} // namespace kelos::test::tc
