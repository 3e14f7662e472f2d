// The pure Task-to-Job builder (seed §2.2). Table-driven; the generated init-container
// scripts are also run for real with /bin/sh and git in a temporary directory.

#include "actors/task/job_builder.hpp"

#include "k8s/kinds.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using namespace kelos;
using namespace kelos::task;
using k8s::json;

namespace {

// ---------------------------------------------------------------------------------------
// Inputs

k8s::task make_task(std::string type = "claude-code", std::string cred = "api-key") {
  k8s::task t;
  t.meta.name = "fix-bug";
  t.meta.namespace_ = "team-a";
  t.meta.uid = "0b8f-uid";
  t.spec.type = std::move(type);
  t.spec.prompt = "raw prompt";
  t.spec.credentials = k8s::task_credentials{std::move(cred), "agent-creds"};
  return t;
}

k8s::workspace_spec make_workspace(std::string repo = "https://github.com/acme/app.git") {
  k8s::workspace_spec w;
  w.repo = std::move(repo);
  return w;
}

struct build {
  k8s::task task = make_task();
  std::optional<k8s::workspace_spec> workspace;
  std::optional<k8s::agent_config_spec> agent_config;
  std::string prompt = "Fix the bug";
  job_builder_config cfg = default_job_builder_config();

  expected<json> run() const {
    return build_job(job_inputs{&task, workspace ? &*workspace : nullptr,
                                agent_config ? &*agent_config : nullptr, prompt},
                     cfg);
  }
  json job() const {
    auto j = run();
    EXPECT_TRUE(j.has_value()) << (j ? "" : j.error().message);
    return j ? *j : json::object();
  }
  std::string error() const {
    auto j = run();
    EXPECT_FALSE(j.has_value());
    return j ? std::string{} : j.error().message;
  }
};

// ---------------------------------------------------------------------------------------
// Views of the built Job

const json& pod_spec(const json& job) { return job.at("spec").at("template").at("spec"); }
const json& agent(const json& job) { return pod_spec(job).at("containers").at(0); }

std::vector<std::string> names(const json& list) {
  std::vector<std::string> out;
  for (const auto& e : list)
    out.push_back(e.at("name").get<std::string>());
  return out;
}

std::vector<std::string> env_names(const json& container) {
  return container.contains("env") ? names(container.at("env")) : std::vector<std::string>{};
}

std::vector<std::string> init_names(const json& job) {
  const json& ps = pod_spec(job);
  return ps.contains("initContainers") ? names(ps.at("initContainers")) : std::vector<std::string>{};
}

const json* find_named(const json& list, std::string_view name) {
  for (const auto& e : list)
    if (e.at("name") == name)
      return &e;
  return nullptr;
}

const json* env_of(const json& container, std::string_view name) {
  return container.contains("env") ? find_named(container.at("env"), name) : nullptr;
}

std::string env_value(const json& container, std::string_view name) {
  const json* e = env_of(container, name);
  return e && e->contains("value") ? e->at("value").get<std::string>() : std::string{"<unset>"};
}

json secret_ref(const json& container, std::string_view name) {
  const json* e = env_of(container, name);
  if (!e || !e->contains("valueFrom"))
    return nullptr;
  return e->at("valueFrom").at("secretKeyRef");
}

const json& init(const json& job, std::string_view name) {
  static const json none = json::object();
  const json& ps = pod_spec(job);
  const json* c = ps.contains("initContainers") ? find_named(ps.at("initContainers"), name) : nullptr;
  EXPECT_NE(c, nullptr) << "no init container " << name;
  return c ? *c : none;
}

std::string script_of(const json& container) { return container.at("command").at(2).get<std::string>(); }

json secret_key(std::string_view secret, std::string_view key) {
  return json{{"name", secret}, {"key", key}};
}

// A Job with every feature on, for the checks that must hold everywhere.
build everything() {
  build b;
  b.task.spec.branch = "feature/x";
  b.task.spec.model = "opus";
  b.task.meta.labels["kelos.dev/taskspawner"] = "spawner-1";
  b.workspace = make_workspace("https://ghe.example.com/acme/app.git");
  b.workspace->ref = "main";
  b.workspace->secret_name = "gh-token";
  b.workspace->remotes = {{"upstream", "https://ghe.example.com/up/app.git"}};
  b.workspace->files = {{"docs/NOTES.md", "hello"}};
  k8s::agent_config_spec ac;
  ac.agents_md = "Be careful.";
  ac.plugins = {{"p", {{"s", "skill"}}, {{"a", "agent"}}}};
  ac.mcp_servers = {{"gh", "http", "", {}, "https://mcp.example.com", {}, {}}};
  b.agent_config = ac;
  k8s::pod_overrides po;
  po.resources = json{{"limits", {{"cpu", "2"}}}};
  po.active_deadline_seconds = 3600;
  po.env = {{"EXTRA", "1", nullptr}};
  po.node_selector = {{"pool", "agents"}};
  b.task.spec.overrides = po;
  return b;
}

// ---------------------------------------------------------------------------------------
// Agent types, credentials, images

struct agent_case {
  std::string type;
  std::string credential;
  std::string env;
};

const std::vector<agent_case> agent_cases = {
  {"claude-code", "api-key", "ANTHROPIC_API_KEY"}, {"claude-code", "oauth", "CLAUDE_CODE_OAUTH_TOKEN"},
  {"codex", "api-key", "CODEX_API_KEY"},           {"codex", "oauth", "CODEX_AUTH_JSON"},
  {"gemini", "api-key", "GEMINI_API_KEY"},         {"gemini", "oauth", "GEMINI_API_KEY"},
  {"opencode", "api-key", "OPENCODE_API_KEY"},     {"opencode", "oauth", "OPENCODE_API_KEY"},
  {"cursor", "api-key", "CURSOR_API_KEY"},         {"cursor", "oauth", "CURSOR_API_KEY"},
};

TEST(JobBuilderAgent, EveryTypeAndCredentialGivesItsImageContainerAndSecretEnv) {
  for (const auto& c : agent_cases) {
    SCOPED_TRACE(c.type + " " + c.credential);
    build b;
    b.task = make_task(c.type, c.credential);
    json job = b.job();
    const json& a = agent(job);
    EXPECT_EQ(a.at("name"), c.type);
    EXPECT_EQ(a.at("image"), "ghcr.io/kelos-dev/" + c.type + ":latest");
    EXPECT_FALSE(a.contains("imagePullPolicy"));
    EXPECT_EQ(a.at("command"), json::array({"/kelos_entrypoint.sh"}));
    EXPECT_EQ(a.at("args"), json::array({"Fix the bug"}));
    EXPECT_EQ(env_names(a), (std::vector<std::string>{"KELOS_AGENT_TYPE", c.env}));
    EXPECT_EQ(env_value(a, "KELOS_AGENT_TYPE"), c.type);
    EXPECT_EQ(secret_ref(a, c.env), secret_key("agent-creds", c.env));
    EXPECT_EQ(credential_env_name(c.type, c.credential), c.env);
  }
}

TEST(JobBuilderAgent, CustomImageReplacesTheDefaultAndKeepsThePullPolicy) {
  for (const auto& type : {"claude-code", "codex", "gemini", "opencode", "cursor"}) {
    SCOPED_TRACE(type);
    build b;
    b.task = make_task(type);
    b.task.spec.image = "registry.example.com/custom:1.2";
    b.cfg.agents[type].pull_policy = "IfNotPresent";
    json job = b.job();
    EXPECT_EQ(agent(job).at("image"), "registry.example.com/custom:1.2");
    EXPECT_EQ(agent(job).at("imagePullPolicy"), "IfNotPresent");
  }
}

TEST(JobBuilderAgent, ConfiguredImageAndPullPolicyAreUsed) {
  build b;
  b.cfg.agents["claude-code"] = {"mirror.local/claude:9", "Always"};
  json job = b.job();
  EXPECT_EQ(agent(job).at("image"), "mirror.local/claude:9");
  EXPECT_EQ(agent(job).at("imagePullPolicy"), "Always");
}

TEST(JobBuilderAgent, UnsupportedAgentTypeFails) {
  build b;
  b.task.spec.type = "cobol";
  EXPECT_EQ(b.error(), "unsupported agent type: cobol");
  EXPECT_EQ(b.run().error().code, errc::invalid_spec);
}

TEST(JobBuilderAgent, EmptyConfiguredImageIsAConfigError) {
  build b;
  b.cfg.agents["claude-code"].image.clear();
  EXPECT_EQ(b.run().error().code, errc::invalid_config);
  b.task.spec.image = "x:1"; // a Task image needs no configured one
  EXPECT_TRUE(b.run().has_value());
}

TEST(JobBuilderAgent, DefaultConfigListsEveryAgentTypeAndTheGitImage) {
  auto cfg = default_job_builder_config();
  ASSERT_EQ(cfg.agents.size(), 5u);
  for (const auto& [type, img] : cfg.agents) {
    EXPECT_EQ(img.image, "ghcr.io/kelos-dev/" + type + ":latest");
    EXPECT_TRUE(img.pull_policy.empty());
  }
  EXPECT_EQ(cfg.git.image, "alpine/git:v2.47.2");
  EXPECT_TRUE(cfg.git.pull_policy.empty());
}

TEST(JobBuilderAgent, UnknownCredentialTypeInjectsNoCredential) {
  EXPECT_EQ(credential_env_name("claude-code", "none"), "");
  EXPECT_EQ(credential_env_name("codex", ""), "");
  EXPECT_EQ(credential_env_name("someday", "api-key"), "ANTHROPIC_API_KEY"); // default branch
  build b;
  b.task.spec.credentials.type = "none";
  EXPECT_EQ(env_names(agent(b.job())), std::vector<std::string>{"KELOS_AGENT_TYPE"});
}

TEST(JobBuilderAgent, PromptIsTheOnlyArgumentVerbatim) {
  build b;
  b.prompt = "it's \"$(rm -rf /)\"\nline two";
  EXPECT_EQ(agent(b.job()).at("args"), json::array({b.prompt}));
}

// ---------------------------------------------------------------------------------------
// Env

TEST(JobBuilderEnv, FullOrderMatchesTheOriginal) {
  json job = everything().job();
  EXPECT_EQ(env_names(agent(job)),
            (std::vector<std::string>{"KELOS_MODEL", "KELOS_BRANCH", "KELOS_AGENT_TYPE",
                                      "KELOS_TASKSPAWNER", "ANTHROPIC_API_KEY", "GH_HOST",
                                      "KELOS_BASE_BRANCH", "KELOS_UPSTREAM_REPO", "GITHUB_TOKEN",
                                      "GH_ENTERPRISE_TOKEN", "KELOS_AGENTS_MD", "KELOS_PLUGIN_DIR",
                                      "KELOS_MCP_SERVERS", "EXTRA"}));
  const json& a = agent(job);
  EXPECT_EQ(env_value(a, "KELOS_MODEL"), "opus");
  EXPECT_EQ(env_value(a, "KELOS_BRANCH"), "feature/x");
  EXPECT_EQ(env_value(a, "KELOS_TASKSPAWNER"), "spawner-1");
  EXPECT_EQ(env_value(a, "KELOS_BASE_BRANCH"), "main");
  EXPECT_EQ(env_value(a, "KELOS_AGENTS_MD"), "Be careful.");
  EXPECT_EQ(env_value(a, "KELOS_PLUGIN_DIR"), "/kelos/plugin");
}

TEST(JobBuilderEnv, TaskSpawnerLabelSetsKelosTaskSpawnerOnlyWhenNonEmpty) {
  struct row {
    std::optional<std::string> label;
    bool present;
  };
  for (const auto& r : std::vector<row>{{std::nullopt, false}, {"", false}, {"nightly", true}}) {
    build b;
    if (r.label)
      b.task.meta.labels["kelos.dev/taskspawner"] = *r.label;
    const json job = b.job();
    EXPECT_EQ(env_of(agent(job), "KELOS_TASKSPAWNER") != nullptr, r.present);
    if (r.present) {
      EXPECT_EQ(env_value(agent(job), "KELOS_TASKSPAWNER"), *r.label);
    }
  }
}

TEST(JobBuilderEnv, ModelIsExportedOnlyWhenSet) {
  build b;
  EXPECT_EQ(env_of(agent(b.job()), "KELOS_MODEL"), nullptr);
  b.task.spec.model = "gpt-5";
  EXPECT_EQ(env_value(agent(b.job()), "KELOS_MODEL"), "gpt-5");
}

TEST(JobBuilderEnv, BranchWithoutWorkspaceIsOnlyAnEnvVar) {
  build b;
  b.task.spec.branch = "kelos/issue-7";
  json job = b.job();
  EXPECT_EQ(env_names(agent(job)),
            (std::vector<std::string>{"KELOS_BRANCH", "KELOS_AGENT_TYPE", "ANTHROPIC_API_KEY"}));
  EXPECT_TRUE(init_names(job).empty());
  EXPECT_FALSE(pod_spec(job).contains("volumes"));
  EXPECT_FALSE(agent(job).contains("workingDir"));
}

TEST(JobBuilderEnv, BaseBranchComesFromTheWorkspaceRef) {
  build b;
  b.workspace = make_workspace();
  EXPECT_EQ(env_of(agent(b.job()), "KELOS_BASE_BRANCH"), nullptr);
  b.workspace->ref = "release-1.2";
  EXPECT_EQ(env_value(agent(b.job()), "KELOS_BASE_BRANCH"), "release-1.2");
}

TEST(JobBuilderEnv, UpstreamRepoComesFromTheRemoteNamedUpstream) {
  struct row {
    std::vector<k8s::git_remote> remotes;
    std::string want; // "<unset>" when absent
  };
  const std::vector<row> rows = {
    {{}, "<unset>"},
    {{{"upstream", "https://github.com/kelos-dev/kelos.git"}}, "kelos-dev/kelos"},
    {{{"upstream", "git@github.com:kelos-dev/kelos.git"}}, "kelos-dev/kelos"},
    {{{"upstream", "https://github.com/acme/my.repo.git"}}, "acme/my.repo"},
    {{{"fork", "https://github.com/me/kelos.git"}}, "<unset>"},
    {{{"Upstream", "https://github.com/a/b"}}, "<unset>"},
    {{{"fork", "https://github.com/me/k"}, {"upstream", "https://github.com/up/k"}}, "up/k"},
    {{{"upstream", "nonsense"}}, "<unset>"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.want);
    build b;
    b.workspace = make_workspace();
    b.workspace->remotes = r.remotes;
    EXPECT_EQ(env_value(agent(b.job()), "KELOS_UPSTREAM_REPO"), r.want);
  }
}

TEST(JobBuilderEnv, UpstreamRepoNeedsAWorkspace) {
  build b; // no workspace: nothing derived from one
  EXPECT_EQ(env_names(agent(b.job())),
            (std::vector<std::string>{"KELOS_AGENT_TYPE", "ANTHROPIC_API_KEY"}));
}

// ---------------------------------------------------------------------------------------
// Workspace: git-clone, GitHub Enterprise, secrets

TEST(JobBuilderWorkspace, WithoutSecretClonesWithThePlainGitEntrypoint) {
  build b;
  b.workspace = make_workspace();
  json job = b.job();
  EXPECT_EQ(init_names(job), std::vector<std::string>{"git-clone"});
  const json& clone = init(job, "git-clone");
  EXPECT_EQ(clone.at("image"), "alpine/git:v2.47.2");
  EXPECT_FALSE(clone.contains("command"));
  EXPECT_FALSE(clone.contains("env"));
  EXPECT_EQ(clone.at("args"),
            json::array({"clone", "--no-single-branch", "--depth", "1", "--",
                         "https://github.com/acme/app.git", "/workspace/repo"}));
  EXPECT_EQ(clone.at("volumeMounts"),
            json::parse(R"([{"name":"workspace","mountPath":"/workspace"}])"));
  const json& a = agent(job);
  EXPECT_EQ(a.at("workingDir"), "/workspace/repo");
  EXPECT_EQ(a.at("volumeMounts"), clone.at("volumeMounts"));
  EXPECT_EQ(pod_spec(job).at("volumes"),
            json::parse(R"([{"name":"workspace","emptyDir":{}}])"));
  EXPECT_EQ(env_of(a, "GITHUB_TOKEN"), nullptr);
  EXPECT_EQ(env_of(a, "GH_TOKEN"), nullptr);
}

TEST(JobBuilderWorkspace, RefIsPassedAsCloneBranch) {
  build b;
  b.workspace = make_workspace();
  b.workspace->ref = "v1.0.0";
  EXPECT_EQ(init(b.job(), "git-clone").at("args"),
            json::array({"clone", "--branch", "v1.0.0", "--no-single-branch", "--depth", "1", "--",
                         "https://github.com/acme/app.git", "/workspace/repo"}));
}

TEST(JobBuilderWorkspace, SecretAddsTokensAndACredentialHelperScript) {
  build b;
  b.workspace = make_workspace();
  b.workspace->secret_name = "gh-token";
  json job = b.job();
  const json& clone = init(job, "git-clone");
  ASSERT_TRUE(clone.contains("command"));
  EXPECT_EQ(clone.at("command").at(0), "sh");
  EXPECT_EQ(clone.at("command").at(1), "-c");
  EXPECT_EQ(script_of(clone),
            "git -c credential.helper= -c credential.helper='!f() { echo \"username=x-access-token\"; "
            "echo \"password=$GITHUB_TOKEN\"; }; f' \"$@\" && { git -C /workspace/repo config "
            "--unset-all credential.helper 2>/dev/null || true; git -C /workspace/repo config --add "
            "credential.helper '!f() { echo \"username=x-access-token\"; echo "
            "\"password=$GITHUB_TOKEN\"; }; f'; }");
  EXPECT_EQ(clone.at("args"),
            json::array({"--", "clone", "--no-single-branch", "--depth", "1", "--",
                         "https://github.com/acme/app.git", "/workspace/repo"}));
  EXPECT_EQ(env_names(clone), (std::vector<std::string>{"GITHUB_TOKEN", "GH_TOKEN"}));
  EXPECT_EQ(secret_ref(clone, "GITHUB_TOKEN"), secret_key("gh-token", "GITHUB_TOKEN"));
  EXPECT_EQ(secret_ref(clone, "GH_TOKEN"), secret_key("gh-token", "GITHUB_TOKEN"));
  const json& a = agent(job);
  EXPECT_EQ(secret_ref(a, "GITHUB_TOKEN"), secret_key("gh-token", "GITHUB_TOKEN"));
  EXPECT_EQ(secret_ref(a, "GH_TOKEN"), secret_key("gh-token", "GITHUB_TOKEN"));
  EXPECT_EQ(env_of(a, "GH_HOST"), nullptr);
  EXPECT_EQ(env_of(a, "GH_ENTERPRISE_TOKEN"), nullptr);
}

TEST(JobBuilderWorkspace, GitHubEnterpriseHostSetsGhHostAndEnterpriseToken) {
  struct row {
    std::string repo;
    std::string host; // empty: github.com behaviour
  };
  const std::vector<row> rows = {
    {"https://github.com/acme/app.git", ""},
    {"git@github.com:acme/app.git", ""},
    {"http://github.com/acme/app", ""},
    {"https://ghe.example.com/acme/app.git", "ghe.example.com"},
    {"git@ghe.example.com:acme/app.git", "ghe.example.com"},
    {"https://git.corp:8443/acme/app", "git.corp:8443"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.repo);
    build b;
    b.workspace = make_workspace(r.repo);
    b.workspace->secret_name = "gh";
    json job = b.job();
    const json& a = agent(job);
    const json& clone = init(job, "git-clone");
    if (r.host.empty()) {
      EXPECT_EQ(env_of(a, "GH_HOST"), nullptr);
      EXPECT_NE(env_of(a, "GH_TOKEN"), nullptr);
      EXPECT_EQ(env_of(a, "GH_ENTERPRISE_TOKEN"), nullptr);
      EXPECT_EQ(env_names(clone), (std::vector<std::string>{"GITHUB_TOKEN", "GH_TOKEN"}));
    } else {
      EXPECT_EQ(env_value(a, "GH_HOST"), r.host);
      EXPECT_EQ(env_of(a, "GH_TOKEN"), nullptr);
      EXPECT_EQ(secret_ref(a, "GH_ENTERPRISE_TOKEN"), secret_key("gh", "GITHUB_TOKEN"));
      EXPECT_EQ(env_names(clone),
                (std::vector<std::string>{"GH_HOST", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN"}));
    }
  }
}

TEST(JobBuilderWorkspace, EnterpriseHostWithoutSecretStillSetsGhHost) {
  build b;
  b.workspace = make_workspace("https://ghe.example.com/acme/app.git");
  json job = b.job();
  EXPECT_EQ(env_value(agent(job), "GH_HOST"), "ghe.example.com");
  EXPECT_EQ(env_names(init(job, "git-clone")), std::vector<std::string>{"GH_HOST"});
  EXPECT_FALSE(init(job, "git-clone").contains("command"));
}

TEST(JobBuilderWorkspace, HostileRepoAndRefStayPlainArguments) {
  build b;
  b.workspace = make_workspace("https://x.example/a/b';touch /tmp/p;'");
  b.workspace->ref = "--upload-pack=touch /tmp/p";
  b.workspace->secret_name = "s";
  json job = b.job();
  const json& clone = init(job, "git-clone");
  EXPECT_EQ(script_of(clone).find("touch"), std::string::npos);
  EXPECT_EQ(clone.at("args").at(3), "--upload-pack=touch /tmp/p"); // the value of --branch
  EXPECT_EQ(clone.at("args").at(8), "https://x.example/a/b';touch /tmp/p;'");
}

// ---------------------------------------------------------------------------------------
// Remotes

TEST(JobBuilderRemotes, RemoteSetupAddsEachRemoteInOrderAfterClone) {
  build b;
  b.workspace = make_workspace();
  b.workspace->remotes = {{"upstream", "https://github.com/up/app.git"},
                          {"fork", "git@github.com:me/app.git"}};
  json job = b.job();
  EXPECT_EQ(init_names(job), (std::vector<std::string>{"git-clone", "remote-setup"}));
  const json& c = init(job, "remote-setup");
  EXPECT_EQ(c.at("command").at(0), "sh");
  EXPECT_EQ(script_of(c), "cd /workspace/repo"
                          " && git remote add -- 'upstream' 'https://github.com/up/app.git'"
                          " && git remote add -- 'fork' 'git@github.com:me/app.git'");
  EXPECT_FALSE(c.contains("env"));
  EXPECT_FALSE(c.contains("args"));
  EXPECT_EQ(c.at("volumeMounts").at(0).at("mountPath"), "/workspace");
}

TEST(JobBuilderRemotes, NamesAndUrlsWithQuotesAndSpacesAreSingleQuoted) {
  build b;
  b.workspace = make_workspace();
  b.workspace->remotes = {{"it's", "https://h/o/r it's $(id).git"}};
  EXPECT_EQ(script_of(init(b.job(), "remote-setup")),
            R"(cd /workspace/repo && git remote add -- 'it'\''s' 'https://h/o/r it'\''s $(id).git')");
}

TEST(JobBuilderRemotes, NoRemotesNoRemoteSetup) {
  build b;
  b.workspace = make_workspace();
  b.workspace->remotes.clear();
  EXPECT_EQ(init_names(b.job()), std::vector<std::string>{"git-clone"});
}

// ---------------------------------------------------------------------------------------
// Branch setup

const std::string branch_tail =
  R"( fetch origin -- "$KELOS_BRANCH":"$KELOS_BRANCH" 2>/dev/null; )"
  R"(if git rev-parse --verify refs/heads/"$KELOS_BRANCH" >/dev/null 2>&1; )"
  R"(then git checkout "$KELOS_BRANCH"; else git checkout -b "$KELOS_BRANCH"; fi)";

TEST(JobBuilderBranch, WithoutSecretFetchesWithPlainGit) {
  build b;
  b.workspace = make_workspace();
  b.task.spec.branch = "kelos/task-1";
  json job = b.job();
  EXPECT_EQ(init_names(job), (std::vector<std::string>{"git-clone", "branch-setup"}));
  const json& c = init(job, "branch-setup");
  EXPECT_EQ(script_of(c), "cd /workspace/repo || exit 1; git" + branch_tail);
  EXPECT_EQ(env_names(c), std::vector<std::string>{"KELOS_BRANCH"});
  EXPECT_EQ(env_value(c, "KELOS_BRANCH"), "kelos/task-1");
  EXPECT_EQ(script_of(c).find("kelos/task-1"), std::string::npos); // only through the env
}

TEST(JobBuilderBranch, WithSecretFetchesThroughTheCredentialHelper) {
  build b;
  b.workspace = make_workspace("https://ghe.example.com/acme/app");
  b.workspace->secret_name = "gh";
  b.task.spec.branch = "b";
  const json job = b.job();
  const json& c = init(job, "branch-setup");
  EXPECT_EQ(script_of(c),
            "cd /workspace/repo || exit 1; git -c credential.helper= -c credential.helper='!f() "
            "{ echo \"username=x-access-token\"; echo \"password=$GITHUB_TOKEN\"; }; f'" +
              branch_tail);
  EXPECT_EQ(env_names(c),
            (std::vector<std::string>{"GH_HOST", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "KELOS_BRANCH"}));
}

TEST(JobBuilderBranch, BranchStartingWithDashIsRefused) {
  for (bool with_workspace : {false, true}) {
    build b;
    if (with_workspace)
      b.workspace = make_workspace();
    b.task.spec.branch = "--orphan";
    EXPECT_EQ(b.error(), R"(invalid branch "--orphan": must not start with '-')");
  }
}

// ---------------------------------------------------------------------------------------
// Workspace files

TEST(JobBuilderFiles, FilesAreWrittenFromBase64UnderTheRepo) {
  build b;
  b.workspace = make_workspace();
  b.workspace->files = {{"CLAUDE.md", "# Rules\n"}, {"./docs//a/../guide.md", "x"}};
  json job = b.job();
  EXPECT_EQ(init_names(job), (std::vector<std::string>{"git-clone", "workspace-files"}));
  const json& c = init(job, "workspace-files");
  EXPECT_EQ(script_of(c), "set -eu\n"
                          "target='/workspace/repo/CLAUDE.md'\n"
                          "for p in '/workspace/repo/CLAUDE.md'; do if [ -L \"$p\" ]; then echo \"workspace file "
                          "$target: $p is a symlink\" >&2; exit 1; fi; done\n"
                          "mkdir -p \"$(dirname \"$target\")\"\n"
                          "printf '%s' '" + k8s::base64_encode("# Rules\n") + "' | base64 -d > \"$target\"\n"
                          "target='/workspace/repo/docs/guide.md'\n"
                          "for p in '/workspace/repo/docs' '/workspace/repo/docs/guide.md'; do if [ -L \"$p\" ]; then "
                          "echo \"workspace file $target: $p is a symlink\" >&2; exit 1; fi; done\n"
                          "mkdir -p \"$(dirname \"$target\")\"\n"
                          "printf '%s' 'eA==' | base64 -d > \"$target\"");
  EXPECT_FALSE(c.contains("env"));
  EXPECT_EQ(c.at("volumeMounts").at(0).at("name"), "workspace");
}

TEST(JobBuilderFiles, PathWithQuoteIsSingleQuoted) {
  build b;
  b.workspace = make_workspace();
  b.workspace->files = {{"it's.md", ""}};
  EXPECT_NE(script_of(init(b.job(), "workspace-files")).find(R"(target='/workspace/repo/it'\''s.md')"),
            std::string::npos);
}

struct bad_path {
  std::string path;
  std::string reason;
};

const std::vector<bad_path> bad_paths = {
  {"", "path is empty"},
  {"   ", "path is empty"},
  {"\t\n", "path is empty"},
  {"dir\\file.md", "path must use forward slashes"},
  {"..\\evil", "path must use forward slashes"},
  {".", "path resolves to current directory"},
  {"./", "path resolves to current directory"},
  {"a/..", "path resolves to current directory"},
  {"/etc/passwd", "absolute paths are not allowed"},
  {"//x", "absolute paths are not allowed"},
  {"/../x", "absolute paths are not allowed"},
  {"..", "path escapes repository root"},
  {"../x", "path escapes repository root"},
  {"a/../../x", "path escapes repository root"},
  {"./../x", "path escapes repository root"},
};

TEST(JobBuilderFiles, EveryInvalidPathKindFailsTheBuildNamingThePath) {
  for (const auto& r : bad_paths) {
    SCOPED_TRACE(r.path);
    build b;
    b.workspace = make_workspace();
    b.workspace->files = {{"ok.md", "fine"}, {r.path, "x"}};
    const std::string want = "invalid workspace file path " + ("\"" + r.path + "\"") + ": " + r.reason;
    if (r.path.find_first_of("\t\n\\") == std::string::npos) {
      EXPECT_EQ(b.error(), want);
    } else {
      EXPECT_NE(b.error().find(": " + r.reason), std::string::npos);
    }
    EXPECT_EQ(b.run().error().code, errc::invalid_spec);
  }
}

TEST(JobBuilderFiles, ErrorQuotesThePathLikeGo) {
  EXPECT_EQ(sanitize_workspace_file_path("a\\b").error().message,
            R"(invalid workspace file path "a\\b": path must use forward slashes)");
  EXPECT_EQ(sanitize_workspace_file_path("\n").error().message,
            R"(invalid workspace file path "\n": path is empty)");
}

TEST(JobBuilderFiles, SanitizeReturnsTheCleanPath) {
  const std::vector<std::pair<std::string, std::string>> rows = {
    {"a.md", "a.md"},           {"./a.md", "a.md"},      {"a//b///c", "a/b/c"},
    {"a/./b/", "a/b"},          {"x/../y", "y"},         {"a/b/../../c", "c"},
    {"..a/b", "..a/b"},         {"a/..b", "a/..b"},      {" spaced name ", " spaced name "},
    {"dir/it's $(x).md", "dir/it's $(x).md"},
  };
  for (const auto& [in, want] : rows) {
    SCOPED_TRACE(in);
    auto got = sanitize_workspace_file_path(in);
    ASSERT_TRUE(got.has_value()) << got.error().message;
    EXPECT_EQ(*got, want);
  }
  for (const auto& r : bad_paths)
    EXPECT_FALSE(sanitize_workspace_file_path(r.path).has_value()) << r.path;
}

TEST(JobBuilderFiles, CleanPathFollowsGoPathClean) {
  const std::vector<std::pair<std::string, std::string>> rows = {
    {"", "."},        {".", "."},          {"/", "/"},         {"//", "/"},
    {"/..", "/"},     {"/../a", "/a"},     {"..", ".."},       {"../..", "../.."},
    {"a/../..", ".."}, {"a/b/./c/", "a/b/c"}, {"abc/def/../ghi", "abc/ghi"}, {"./a/./", "a"},
  };
  for (const auto& [in, want] : rows)
    EXPECT_EQ(clean_path(in), want) << in;
}

TEST(JobBuilderFiles, NoFilesNoInitContainer) {
  build b;
  b.workspace = make_workspace();
  EXPECT_EQ(init_names(b.job()), std::vector<std::string>{"git-clone"});
}

// ---------------------------------------------------------------------------------------
// Pod overrides

TEST(JobBuilderOverrides, ResourcesGoToTheAgentContainer) {
  build b;
  k8s::pod_overrides po;
  po.resources = json::parse(R"({"requests":{"memory":"1Gi"},"limits":{"cpu":"2"}})");
  b.task.spec.overrides = po;
  json job = b.job();
  EXPECT_EQ(agent(job).at("resources"), po.resources);
  EXPECT_FALSE(job.at("spec").contains("activeDeadlineSeconds"));
  EXPECT_FALSE(pod_spec(job).contains("nodeSelector"));
}

TEST(JobBuilderOverrides, ActiveDeadlineSecondsGoesToTheJobSpec) {
  build b;
  k8s::pod_overrides po;
  po.active_deadline_seconds = 900;
  b.task.spec.overrides = po;
  json job = b.job();
  EXPECT_EQ(job.at("spec").at("activeDeadlineSeconds"), 900);
  EXPECT_FALSE(agent(job).contains("resources"));
}

TEST(JobBuilderOverrides, NodeSelectorGoesToThePod) {
  build b;
  k8s::pod_overrides po;
  po.node_selector = {{"disktype", "ssd"}, {"pool", "agents"}};
  b.task.spec.overrides = po;
  EXPECT_EQ(pod_spec(b.job()).at("nodeSelector"), json::parse(R"({"disktype":"ssd","pool":"agents"})"));
}

TEST(JobBuilderOverrides, EnvIsAppendedAfterBuiltinsInOrder) {
  build b;
  k8s::pod_overrides po;
  po.env = {{"ZED", "z", nullptr},
            {"FROM_SECRET", std::nullopt, json::parse(R"({"secretKeyRef":{"name":"s","key":"k"}})")},
            {"ALPHA", "a", nullptr},
            {"EMPTY", std::nullopt, nullptr}};
  b.task.spec.overrides = po;
  const json a = agent(b.job());
  EXPECT_EQ(env_names(a), (std::vector<std::string>{"KELOS_AGENT_TYPE", "ANTHROPIC_API_KEY", "ZED",
                                                    "FROM_SECRET", "ALPHA", "EMPTY"}));
  EXPECT_EQ(*env_of(a, "FROM_SECRET"),
            json::parse(R"({"name":"FROM_SECRET","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}})"));
  EXPECT_EQ(*env_of(a, "EMPTY"), json::parse(R"({"name":"EMPTY"})"));
}

TEST(JobBuilderOverrides, BuiltinsWinOverUserEnvWithTheSameName) {
  build b = everything();
  b.task.spec.overrides->env = {{"KELOS_AGENT_TYPE", "forged", nullptr},
                                {"ANTHROPIC_API_KEY", "sk-forged", nullptr},
                                {"MINE", "1", nullptr},
                                {"GITHUB_TOKEN", "forged", nullptr},
                                {"KELOS_MCP_SERVERS", "{}", nullptr},
                                {"KELOS_BRANCH", "main", nullptr}};
  json job = b.job();
  const json& a = agent(job);
  auto n = env_names(a);
  EXPECT_EQ(n.back(), "MINE");
  EXPECT_EQ(std::count(n.begin(), n.end(), "KELOS_AGENT_TYPE"), 1);
  EXPECT_EQ(std::count(n.begin(), n.end(), "GITHUB_TOKEN"), 1);
  EXPECT_EQ(env_value(a, "KELOS_AGENT_TYPE"), "claude-code");
  EXPECT_EQ(env_value(a, "KELOS_BRANCH"), "feature/x");
  EXPECT_NE(secret_ref(a, "ANTHROPIC_API_KEY"), nullptr);
}

TEST(JobBuilderOverrides, UserEnvNotNamedLikeABuiltinOfThisJobIsKept) {
  // GITHUB_TOKEN is only a built-in when the workspace has a secret.
  build b;
  k8s::pod_overrides po;
  po.env = {{"GITHUB_TOKEN", "mine", nullptr}};
  b.task.spec.overrides = po;
  EXPECT_EQ(env_value(agent(b.job()), "GITHUB_TOKEN"), "mine");
}

TEST(JobBuilderOverrides, AllTogether) {
  json job = everything().job();
  EXPECT_EQ(agent(job).at("resources"), json::parse(R"({"limits":{"cpu":"2"}})"));
  EXPECT_EQ(job.at("spec").at("activeDeadlineSeconds"), 3600);
  EXPECT_EQ(pod_spec(job).at("nodeSelector"), json::parse(R"({"pool":"agents"})"));
  EXPECT_EQ(env_value(agent(job), "EXTRA"), "1");
}

TEST(JobBuilderOverrides, EmptyOverridesChangeNothing) {
  build plain;
  build b;
  b.task.spec.overrides = k8s::pod_overrides{};
  EXPECT_EQ(b.job(), plain.job());
}

// ---------------------------------------------------------------------------------------
// AgentConfig: agentsMD, plugins

TEST(JobBuilderAgentConfig, AgentsMdOnlyIsAnEnvVar) {
  build b;
  k8s::agent_config_spec ac;
  ac.agents_md = "# Team rules\nUse tabs.";
  b.agent_config = ac;
  json job = b.job();
  EXPECT_EQ(env_value(agent(job), "KELOS_AGENTS_MD"), "# Team rules\nUse tabs.");
  EXPECT_EQ(env_of(agent(job), "KELOS_PLUGIN_DIR"), nullptr);
  EXPECT_TRUE(init_names(job).empty());
  EXPECT_FALSE(pod_spec(job).contains("volumes"));
}

TEST(JobBuilderAgentConfig, EmptyAgentConfigAddsNothing) {
  build plain;
  build b;
  b.agent_config = k8s::agent_config_spec{};
  EXPECT_EQ(b.job(), plain.job());
}

TEST(JobBuilderAgentConfig, PluginsWithoutWorkspaceGetTheirOwnVolumeAndInitContainer) {
  build b;
  k8s::agent_config_spec ac;
  ac.plugins = {{"review", {{"lint", "Run lint"}}, {{"critic", "Be critical"}}}};
  b.agent_config = ac;
  json job = b.job();
  EXPECT_EQ(init_names(job), std::vector<std::string>{"plugin-setup"});
  EXPECT_EQ(pod_spec(job).at("volumes"), json::parse(R"([{"name":"kelos-plugin","emptyDir":{}}])"));
  EXPECT_EQ(agent(job).at("volumeMounts"),
            json::parse(R"([{"name":"kelos-plugin","mountPath":"/kelos/plugin"}])"));
  EXPECT_EQ(env_value(agent(job), "KELOS_PLUGIN_DIR"), "/kelos/plugin");
  EXPECT_FALSE(agent(job).contains("workingDir"));
  const json& c = init(job, "plugin-setup");
  EXPECT_EQ(c.at("volumeMounts"), agent(job).at("volumeMounts"));
  EXPECT_EQ(script_of(c), "set -eu\n"
                          "mkdir -p '/kelos/plugin/review/skills/lint'\n"
                          "printf '%s' '" + k8s::base64_encode("Run lint") +
                          "' | base64 -d > '/kelos/plugin/review/skills/lint/SKILL.md'\n"
                          "mkdir -p '/kelos/plugin/review/agents'\n"
                          "printf '%s' '" + k8s::base64_encode("Be critical") +
                          "' | base64 -d > '/kelos/plugin/review/agents/critic.md'");
}

TEST(JobBuilderAgentConfig, PluginsWithWorkspaceComeLastAndMountBothVolumes) {
  build b;
  b.workspace = make_workspace();
  b.workspace->files = {{"a", "b"}};
  b.task.spec.branch = "x";
  k8s::agent_config_spec ac;
  ac.plugins = {{"p", {{"s", "c"}}, {}}};
  b.agent_config = ac;
  json job = b.job();
  EXPECT_EQ(init_names(job), (std::vector<std::string>{"git-clone", "branch-setup",
                                                       "workspace-files", "plugin-setup"}));
  EXPECT_EQ(names(pod_spec(job).at("volumes")), (std::vector<std::string>{"workspace", "kelos-plugin"}));
  EXPECT_EQ(names(agent(job).at("volumeMounts")),
            (std::vector<std::string>{"workspace", "kelos-plugin"}));
}

TEST(JobBuilderAgentConfig, InvalidPluginSkillAndAgentNamesAreRefused) {
  struct row {
    k8s::plugin_spec plugin;
    std::string want;
  };
  const std::vector<row> rows = {
    {{"", {}, {}}, "plugin name is empty"},
    {{"a/b", {}, {}}, R"(plugin name "a/b" contains path separators)"},
    {{"a\\b", {}, {}}, R"(plugin name "a\\b" contains path separators)"},
    {{".", {}, {}}, R"(plugin name "." is a path traversal)"},
    {{"..", {}, {}}, R"(plugin name ".." is a path traversal)"},
    {{"p", {{"", "x"}}, {}}, "skill name is empty"},
    {{"p", {{"../../etc", "x"}}, {}}, R"(skill name "../../etc" contains path separators)"},
    {{"p", {{"..", "x"}}, {}}, R"(skill name ".." is a path traversal)"},
    {{"p", {}, {{"", "x"}}}, "agent name is empty"},
    {{"p", {}, {{"x/y", "x"}}}, R"(agent name "x/y" contains path separators)"},
    {{"p", {}, {{".", "x"}}}, R"(agent name "." is a path traversal)"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.want);
    build b;
    k8s::agent_config_spec ac;
    ac.plugins = {{"fine", {{"ok", "x"}}, {}}, r.plugin};
    b.agent_config = ac;
    EXPECT_EQ(b.error(), "invalid plugin configuration: " + r.want);
  }
}

TEST(JobBuilderAgentConfig, HostileNamesThatPassTheCheckAreQuoted) {
  build b;
  k8s::agent_config_spec ac;
  ac.plugins = {{"it's", {{"$(id)", "x"}}, {}}};
  b.agent_config = ac;
  EXPECT_NE(script_of(init(b.job(), "plugin-setup")).find(R"(mkdir -p '/kelos/plugin/it'\''s/skills/$(id)')"),
            std::string::npos);
}

// ---------------------------------------------------------------------------------------
// MCP servers

TEST(JobBuilderMcp, HttpServerWithHeaders) {
  k8s::mcp_server_spec s;
  s.name = "github";
  s.type = "http";
  s.url = "https://api.githubcopilot.com/mcp/";
  s.headers = {{"Authorization", "Bearer x"}, {"X-A", "1"}};
  EXPECT_EQ(*mcp_servers_json({s}),
            R"({"mcpServers":{"github":{"type":"http","url":"https://api.githubcopilot.com/mcp/",)"
            R"("headers":{"Authorization":"Bearer x","X-A":"1"}}}})");
}

TEST(JobBuilderMcp, StdioServerWithCommandArgsAndEnv) {
  k8s::mcp_server_spec s;
  s.name = "fs";
  s.type = "stdio";
  s.command = "npx";
  s.args = {"-y", "@mcp/fs", "/workspace"};
  s.env = {{"DEBUG", "1"}};
  EXPECT_EQ(*mcp_servers_json({s}),
            R"({"mcpServers":{"fs":{"type":"stdio","command":"npx","args":["-y","@mcp/fs","/workspace"],)"
            R"("env":{"DEBUG":"1"}}}})");
}

TEST(JobBuilderMcp, EmptyFieldsAreOmittedAndServersSortedByName) {
  std::vector<k8s::mcp_server_spec> servers(3);
  servers[0].name = "zeta";
  servers[1].name = "alpha";
  servers[1].type = "sse";
  servers[2].name = "mid";
  EXPECT_EQ(*mcp_servers_json(servers),
            R"({"mcpServers":{"alpha":{"type":"sse"},"mid":{},"zeta":{}}})");
  EXPECT_EQ(*mcp_servers_json({}), R"({"mcpServers":{}})");
}

TEST(JobBuilderMcp, InvalidNamesAreRefused) {
  struct row {
    std::vector<std::string> names;
    std::string want;
  };
  const std::vector<row> rows = {
    {{""}, "MCP server name is empty"},
    {{"a", "a"}, R"(duplicate MCP server name "a")"},
    {{"../x"}, R"(MCP server name "../x" contains path separators)"},
    {{"a\\b"}, R"(MCP server name "a\\b" contains path separators)"},
    {{".."}, R"(MCP server name ".." is a path traversal)"},
    {{"."}, R"(MCP server name "." is a path traversal)"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.want);
    std::vector<k8s::mcp_server_spec> servers;
    for (const auto& n : r.names)
      servers.push_back(k8s::mcp_server_spec{n, "stdio", "cmd", {}, {}, {}, {}});
    EXPECT_EQ(mcp_servers_json(servers).error().message, "invalid MCP server configuration: " + r.want);
    build b;
    k8s::agent_config_spec ac;
    ac.mcp_servers = servers;
    b.agent_config = ac;
    EXPECT_EQ(b.error(), "invalid MCP server configuration: " + r.want);
  }
}

TEST(JobBuilderMcp, JsonIsTheKelosMcpServersEnvForEveryAgentType) {
  for (const auto& type : {"claude-code", "codex", "gemini", "opencode", "cursor"}) {
    build b;
    b.task = make_task(type);
    k8s::agent_config_spec ac;
    ac.mcp_servers = {{"gh", "http", "", {}, "https://m", {{"Authorization", "Bearer t"}}, {}}};
    b.agent_config = ac;
    const json a = agent(b.job());
    EXPECT_EQ(json::parse(env_value(a, "KELOS_MCP_SERVERS")),
              json::parse(R"({"mcpServers":{"gh":{"type":"http","url":"https://m",
                              "headers":{"Authorization":"Bearer t"}}}})"))
      << type;
    EXPECT_EQ(env_of(a, "KELOS_PLUGIN_DIR"), nullptr);
  }
}

// ---------------------------------------------------------------------------------------
// Job object, pod, security

TEST(JobBuilderJob, MetadataLabelsOwnerAndNoRetries) {
  json job = build{}.job();
  EXPECT_EQ(job.at("apiVersion"), "batch/v1");
  EXPECT_EQ(job.at("kind"), "Job");
  EXPECT_EQ(job.at("metadata").at("name"), "fix-bug");
  EXPECT_EQ(job.at("metadata").at("namespace"), "team-a");
  const json labels = json::parse(R"({"app.kubernetes.io/name":"kelos",
    "app.kubernetes.io/component":"task","app.kubernetes.io/managed-by":"kelos-controller",
    "kelos.dev/task":"fix-bug"})");
  EXPECT_EQ(job.at("metadata").at("labels"), labels);
  EXPECT_EQ(job.at("spec").at("template").at("metadata").at("labels"), labels);
  EXPECT_EQ(job.at("metadata").at("ownerReferences"),
            json::parse(R"([{"apiVersion":"kelos.dev/v1alpha1","kind":"Task","name":"fix-bug",
              "uid":"0b8f-uid","controller":true,"blockOwnerDeletion":true}])"));
  EXPECT_EQ(job.at("spec").at("backoffLimit"), 0);
  EXPECT_FALSE(job.at("spec").contains("ttlSecondsAfterFinished"));
  EXPECT_FALSE(job.at("spec").contains("podFailurePolicy"));
  EXPECT_FALSE(job.at("spec").contains("activeDeadlineSeconds"));
}

TEST(JobBuilderJob, TaskLabelsAreNotCopied) {
  build b;
  b.task.meta.labels = {{"kelos.dev/taskspawner", "s"}, {"team", "a"}};
  EXPECT_EQ(b.job().at("metadata").at("labels").size(), 4u);
}

TEST(JobBuilderJob, PodNeverRestartsAndHasNoServiceAccountToken) {
  json job = build{}.job();
  const json& ps = pod_spec(job);
  EXPECT_EQ(ps.at("restartPolicy"), "Never");
  EXPECT_EQ(ps.at("automountServiceAccountToken"), false);
  EXPECT_FALSE(ps.contains("serviceAccountName"));
  EXPECT_FALSE(ps.contains("tolerations"));
  EXPECT_EQ(ps.at("containers").size(), 1u);
}

TEST(JobBuilderSecurity, PodSecurityContextIsSetWithAndWithoutWorkspace) {
  const json want = json::parse(
    R"({"fsGroup":61100,"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}})");
  build plain;
  EXPECT_EQ(pod_spec(plain.job()).at("securityContext"), want);
  build with_ws;
  with_ws.workspace = make_workspace();
  EXPECT_EQ(pod_spec(with_ws.job()).at("securityContext"), want);
}

TEST(JobBuilderSecurity, EveryContainerHasTheSecureDefaults) {
  const json want = json::parse(R"({"runAsNonRoot":true,"runAsUser":61100,"runAsGroup":61100,
    "allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},
    "seccompProfile":{"type":"RuntimeDefault"}})");
  json job = everything().job();
  EXPECT_EQ(init_names(job), (std::vector<std::string>{"git-clone", "remote-setup", "branch-setup",
                                                       "workspace-files", "plugin-setup"}));
  size_t checked = 0;
  for (const char* list : {"initContainers", "containers"})
    for (const auto& c : pod_spec(job).at(list)) {
      EXPECT_EQ(c.at("securityContext"), want) << c.at("name");
      ++checked;
    }
  EXPECT_EQ(checked, 6u);
}

TEST(JobBuilderSecurity, GitHelperImageAndPullPolicyAreConfigurable) {
  build b = everything();
  b.cfg.git = {"mirror.local/git:2.48", "IfNotPresent"};
  json job = b.job();
  for (const auto& c : pod_spec(job).at("initContainers")) {
    EXPECT_EQ(c.at("image"), "mirror.local/git:2.48") << c.at("name");
    EXPECT_EQ(c.at("imagePullPolicy"), "IfNotPresent") << c.at("name");
  }
  EXPECT_FALSE(agent(job).contains("imagePullPolicy"));
}

TEST(JobBuilderSecurity, MissingGitImageIsAConfigErrorOnlyWhenNeeded) {
  build b;
  b.cfg.git.image.clear();
  EXPECT_TRUE(b.run().has_value());
  b.workspace = make_workspace();
  EXPECT_EQ(b.run().error().code, errc::invalid_config);
}

TEST(JobBuilderJob, ErrorsWhenTaskIsMissing) {
  auto r = build_job(job_inputs{}, default_job_builder_config());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::logic_error);
}

TEST(JobBuilderJob, BuildIsDeterministic) {
  EXPECT_EQ(everything().job().dump(), everything().job().dump());
}

// ---------------------------------------------------------------------------------------
// Pure helpers

TEST(JobBuilderHelpers, ShellSingleQuote) {
  const std::vector<std::pair<std::string, std::string>> rows = {
    {"", "''"},
    {"plain", "'plain'"},
    {"it's", R"('it'\''s')"},
    {"''", R"(''\'''\''')"},
    {"$(id) `id` \"x\" \\n", "'$(id) `id` \"x\" \\n'"},
    {"a\nb", "'a\nb'"},
  };
  for (const auto& [in, want] : rows)
    EXPECT_EQ(shell_single_quote(in), want) << in;
}

TEST(JobBuilderHelpers, ParseGitHubRepo) {
  struct row {
    std::string url;
    repo_location want;
  };
  const std::vector<row> rows = {
    {"https://github.com/kelos-dev/kelos.git", {"github.com", "kelos-dev", "kelos"}},
    {"https://github.com/kelos-dev/kelos", {"github.com", "kelos-dev", "kelos"}},
    {"http://github.com/a/b/", {"github.com", "a", "b"}},
    {"https://github.com/a/b/tree/main", {"github.com", "a", "b"}},
    {"https://github.com/acme/my.repo.git", {"github.com", "acme", "my.repo"}}, // quirk fixed
    {"https://github.com/acme/my.repo", {"github.com", "acme", "my.repo"}},
    {"https://github.com/acme/app.git/", {"github.com", "acme", "app"}},
    {"https://ghe.corp:8443/team/svc", {"ghe.corp:8443", "team", "svc"}},
    {"git@github.com:kelos-dev/kelos.git", {"github.com", "kelos-dev", "kelos"}},
    {"git@ghe.example.com:org/repo.name.git", {"ghe.example.com", "org", "repo.name"}},
    {"ssh://git@github.com/a/b.git", {"", "a", "b"}}, // neither pattern: last two segments
    {"kelos-dev/kelos", {"", "kelos-dev", "kelos"}},
    {"a/b/c", {"", "b", "c"}},
    {"just-a-name", {"", "", "unknown-repo-just-a-name"}},
    {"", {"", "", "unknown-repo-"}},
  };
  for (const auto& r : rows)
    EXPECT_EQ(parse_github_repo(r.url), r.want) << r.url;
}

TEST(JobBuilderHelpers, CredentialEnvNameTable) {
  for (const auto& c : agent_cases)
    EXPECT_EQ(credential_env_name(c.type, c.credential), c.env) << c.type << " " << c.credential;
}

// ---------------------------------------------------------------------------------------
// The scripts, run for real with /bin/sh and git

class temp_dir {
public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kelos-jb-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

struct run_result {
  int status = -1;
  std::string output; // stdout and stderr
};

/// Runs argv (no shell in between) in `cwd` with the environment plus `extra_env`.
run_result run_argv(const std::vector<std::string>& argv, const std::string& cwd,
                    const std::vector<std::string>& extra_env) {
  int fds[2];
  if (::pipe(fds) != 0)
    return {};
  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; ++e)
    env_store.emplace_back(*e);
  for (const auto& e : extra_env)
    env_store.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_store)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_store = argv;
  std::vector<char*> args;
  for (auto& a : argv_store)
    args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    ::close(fds[1]);
    if (::chdir(cwd.c_str()) != 0)
      ::_exit(126);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  run_result r;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
    r.output.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

/// A container's argv (command + args) with the pod's mount paths moved under `root`.
std::vector<std::string> container_argv(const json& c, const std::string& root) {
  std::vector<std::string> argv;
  auto add = [&](const json& list) {
    for (const auto& a : list) {
      std::string s = replace_all(a.get<std::string>(), "/workspace/repo", root + "/repo");
      argv.push_back(replace_all(s, "/kelos/plugin", root + "/plugin"));
    }
  };
  if (c.contains("command"))
    add(c.at("command"));
  else
    argv.push_back("git"); // the image's entrypoint
  if (c.contains("args"))
    add(c.at("args"));
  if (argv[0] == "sh")
    argv[0] = "/bin/sh";
  else if (argv[0] == "git")
    argv[0] = "/usr/bin/git";
  return argv;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Environment that keeps the user's git configuration out of the test.
std::vector<std::string> git_env(const temp_dir& t) {
  return {"HOME=" + t.str(), "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
          "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
          "GIT_COMMITTER_EMAIL=t@example.com"};
}

const std::string hostile_content =
  "it's \"quoted\" $(touch PWNED) `touch PWNED2` ${HOME}\n'\n\\n%s%%\nno trailing newline";

TEST(JobBuilderScripts, WorkspaceFilesLandByteExactWithHostileContent) {
  temp_dir t;
  std::filesystem::create_directories(t.path() / "repo");
  build b;
  b.workspace = make_workspace();
  std::string binary("bin\0ary\xff\n", 9);
  b.workspace->files = {{"CLAUDE.md", hostile_content},
                        {"deep/it's $(x)/notes.md", "nested"},
                        {"empty.txt", ""},
                        {"data.bin", binary}};
  json job = b.job();
  auto r = run_argv(container_argv(init(job, "workspace-files"), t.str()), t.str(), {});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(read_file(t.path() / "repo/CLAUDE.md"), hostile_content);
  EXPECT_EQ(read_file(t.path() / "repo/deep/it's $(x)/notes.md"), "nested");
  EXPECT_TRUE(std::filesystem::exists(t.path() / "repo/empty.txt"));
  EXPECT_EQ(read_file(t.path() / "repo/empty.txt"), "");
  EXPECT_EQ(read_file(t.path() / "repo/data.bin"), binary);
  for (const char* p : {"PWNED", "PWNED2", "repo/PWNED", "repo/PWNED2"})
    EXPECT_FALSE(std::filesystem::exists(t.path() / p)) << p;
}

TEST(JobBuilderScripts, PluginSetupWritesSkillsAndAgentsByteExact) {
  temp_dir t;
  build b;
  k8s::agent_config_spec ac;
  ac.plugins = {{"it's", {{"$(touch PWNED)", hostile_content}}, {{"critic", "agent body\n"}}}};
  b.agent_config = ac;
  json job = b.job();
  auto r = run_argv(container_argv(init(job, "plugin-setup"), t.str()), t.str(), {});
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(read_file(t.path() / "plugin/it's/skills/$(touch PWNED)/SKILL.md"), hostile_content);
  EXPECT_EQ(read_file(t.path() / "plugin/it's/agents/critic.md"), "agent body\n");
  EXPECT_FALSE(std::filesystem::exists(t.path() / "PWNED"));
}

/// A temp dir holding `src`, an origin repository with branch `main` (f = "one") and
/// branch `existing` (f = "two"), and helpers to run a Job's init containers against it.
class JobBuilderRepo : public ::testing::Test {
protected:
  void SetUp() override {
    auto r = run_argv({"/bin/sh", "-c",
                       "git init -q -b main src && cd src && echo one > f && git add f && "
                       "git commit -qm one && git checkout -qb existing && echo two > f && "
                       "git commit -qam two && git checkout -q main"},
                      t.str(), env);
    ASSERT_EQ(r.status, 0) << r.output;
  }

  /// Runs every init container of `job` in order, as the kubelet would, with `extra` env
  /// standing in for the container's env (secretKeyRef values).
  void run_init_containers(const json& job, const std::vector<std::string>& extra) {
    for (const auto& c : pod_spec(job).at("initContainers")) {
      auto cenv = env;
      cenv.insert(cenv.end(), extra.begin(), extra.end());
      auto r = run_argv(container_argv(c, t.str()), t.str(), cenv);
      ASSERT_EQ(r.status, 0) << c.at("name") << ": " << r.output;
    }
  }

  run_result git(std::vector<std::string> args, const std::vector<std::string>& extra = {}) {
    args.insert(args.begin(), {"/usr/bin/git", "-C", repo});
    auto e = env;
    e.insert(e.end(), extra.begin(), extra.end());
    return run_argv(args, t.str(), e);
  }

  temp_dir t;
  std::vector<std::string> env = git_env(t);
  std::string src = t.str() + "/src";
  std::string repo = t.str() + "/repo";
};

TEST_F(JobBuilderRepo, InitContainersRunInOrderAgainstARealRepository) {
  const std::string branch = "feat/$(touch${IFS}PWNED);`touch${IFS}PWNED2`'\"q";
  build b;
  b.task.spec.branch = branch;
  b.workspace = make_workspace("file://" + src);
  b.workspace->ref = "main";
  b.workspace->secret_name = "gh-token";
  b.workspace->remotes = {{"up'stream", "https://example.com/it's a $(touch PWNED) repo.git"},
                          {"fork", "git@github.com:me/app.git"}};
  b.workspace->files = {{"notes/it's.md", hostile_content}};
  json job = b.job();
  ASSERT_EQ(init_names(job), (std::vector<std::string>{"git-clone", "remote-setup", "branch-setup",
                                                       "workspace-files"}));
  // GITHUB_TOKEN is what the secretKeyRef would give; only branch-setup reads KELOS_BRANCH.
  run_init_containers(job, {"GITHUB_TOKEN=s3cr3t-token", "KELOS_BRANCH=" + branch});

  // remote-setup: both remotes, the quoted URL byte-exact.
  EXPECT_EQ(git({"remote", "get-url", "up'stream"}).output,
            "https://example.com/it's a $(touch PWNED) repo.git\n");
  EXPECT_EQ(git({"remote", "get-url", "fork"}).output, "git@github.com:me/app.git\n");
  // branch-setup: a new branch with the hostile name, nothing executed.
  EXPECT_EQ(git({"rev-parse", "--abbrev-ref", "HEAD"}).output, branch + "\n");
  // The credential helper is stored (once) and answers with the token from the env.
  EXPECT_EQ(git({"config", "--get-all", "credential.helper"}).output,
            "!f() { echo \"username=x-access-token\"; echo \"password=$GITHUB_TOKEN\"; }; f\n");
  auto cred = run_argv({"/bin/sh", "-c",
                        "printf 'protocol=https\\nhost=example.com\\n\\n' | git -C \"$1\" credential fill",
                        "sh", repo},
                       t.str(), [&] { auto e = env; e.push_back("GITHUB_TOKEN=later-token"); return e; }());
  EXPECT_NE(cred.output.find("username=x-access-token\npassword=later-token\n"), std::string::npos)
    << cred.output;
  EXPECT_EQ(read_file(t.path() / "repo/.git/config").find("later-token"), std::string::npos);
  // workspace-files ran after the clone, inside it.
  EXPECT_EQ(read_file(t.path() / "repo/notes/it's.md"), hostile_content);
  EXPECT_EQ(read_file(t.path() / "repo/f"), "one\n");
  for (const char* p : {"PWNED", "PWNED2", "repo/PWNED", "repo/PWNED2"})
    EXPECT_FALSE(std::filesystem::exists(t.path() / p)) << p;
}

TEST_F(JobBuilderRepo, BranchSetupChecksOutABranchThatExistsOnOrigin) {
  build b;
  b.task.spec.branch = "existing";
  b.workspace = make_workspace("file://" + src);
  run_init_containers(b.job(), {"KELOS_BRANCH=existing"});
  EXPECT_EQ(read_file(t.path() / "repo/f"), "two\n");
  // Without a secret nothing is stored in the repo's config.
  EXPECT_EQ(git({"config", "--get-all", "credential.helper"}).output, "");
}

TEST(JobBuilderScripts, RemoteSetupFailsLoudlyOnARemoteGitRefuses) {
  temp_dir t;
  const auto env = git_env(t);
  ASSERT_EQ(run_argv({"/usr/bin/git", "init", "-q", "repo"}, t.str(), env).status, 0);
  build b;
  b.workspace = make_workspace();
  b.workspace->remotes = {{"bad name", "https://h/o/r"}};
  auto r = run_argv(container_argv(init(b.job(), "remote-setup"), t.str()), t.str(), env);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("not a valid remote name"), std::string::npos) << r.output;
}

} // namespace
