// ~/.kelos/config.yaml keys and the precedence rules of `kelos run` (seed §4.1/§4.2).

#include "cli/cli_config.hpp"

#include <gtest/gtest.h>

#include <map>

namespace {

using namespace kelos::cli;

/// A file reader over an in-memory map (paths after ~ expansion).
file_reader files(std::map<std::string, std::string> contents) {
  return [contents](const std::string& path) -> kelos::expected<std::string> {
    auto it = contents.find(path);
    if (it == contents.end())
      return kelos::error{kelos::errc::io_error, "cannot read " + path + ": No such file or directory"};
    return it->second;
  };
}

std::string secret_value(const json& secret, const std::string& key) {
  // base64 of the value, as the Secret stores it.
  return secret.at("data").at(key).get<std::string>();
}

TEST(CliConfig, ParsesEveryKey) {
  auto c = parse_config(R"(
oauthToken: tok
secret: s
credentialType: oauth
type: codex
model: gpt-5
namespace: team
agentConfig: reviewer
unknownKey: ignored
workspace:
  name: ws
  repo: https://github.com/o/r.git
  ref: main
  token: "@~/gh-token"
  githubApp:
    appID: 12345
    installationID: 678
    privateKeyPath: ~/app.pem
)",
                        "config.yaml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->oauth_token, "tok");
  EXPECT_EQ(c->secret, "s");
  EXPECT_EQ(c->credential_type, "oauth");
  EXPECT_EQ(c->type, "codex");
  EXPECT_EQ(c->model, "gpt-5");
  EXPECT_EQ(c->namespace_, "team");
  EXPECT_EQ(c->agent_config, "reviewer");
  EXPECT_EQ(c->workspace.name, "ws");
  EXPECT_EQ(c->workspace.repo, "https://github.com/o/r.git");
  EXPECT_EQ(c->workspace.ref, "main");
  EXPECT_EQ(c->workspace.token, "@~/gh-token");
  ASSERT_TRUE(c->workspace.github_app);
  EXPECT_EQ(c->workspace.github_app->app_id, "12345");
  EXPECT_EQ(c->workspace.github_app->installation_id, "678");
  EXPECT_EQ(c->workspace.github_app->private_key_path, "~/app.pem");
}

TEST(CliConfig, EmptyAndInvalidFiles) {
  EXPECT_TRUE(parse_config("", "c.yaml"));
  EXPECT_TRUE(parse_config("# only comments\n", "c.yaml"));
  struct bad {
    const char* text;
    const char* message_part;
  };
  for (auto [text, part] : {bad{"a: [", "invalid YAML"}, bad{"- a\n- b\n", "top level"},
                            bad{"workspace: x\n", "workspace: must be a mapping"},
                            bad{"model: [a]\n", "model: must be a string"},
                            bad{"credentialType: token\n", "credentialType"},
                            bad{"workspace:\n  githubApp: 3\n", "workspace.githubApp"}}) {
    auto c = parse_config(text, "/home/u/.kelos/config.yaml");
    ASSERT_FALSE(c) << text;
    EXPECT_NE(c.error().message.find(part), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find("/home/u/.kelos/config.yaml"), std::string::npos);
  }
}

TEST(CliConfig, ValuesExpandFilesHomeAndNone) {
  auto read = files({{"/home/u/tok", "secret\n\n"}, {"/abs/tok", "abs"}});
  EXPECT_EQ(*resolve_value("plain", read, "/home/u"), "plain");
  EXPECT_EQ(*resolve_value("none", read, "/home/u"), "");
  EXPECT_EQ(*resolve_value("@~/tok", read, "/home/u"), "secret");
  EXPECT_EQ(*resolve_value("@/abs/tok", read, "/home/u"), "abs");
  auto missing = resolve_value("@/nope", read, "/home/u");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nope"), std::string::npos);
  EXPECT_EQ(expand_home("~", "/h"), "/h");
  EXPECT_EQ(expand_home("~/a/b", "/h"), "/h/a/b");
  EXPECT_EQ(expand_home("a/~", "/h"), "a/~");
  EXPECT_EQ(expand_home("~user/x", "/h"), "~user/x");
}

TEST(CliConfig, NamespacePrecedence) {
  cli_config with_ns;
  with_ns.namespace_ = "from-config";
  EXPECT_EQ(resolve_namespace("flag", with_ns, "ctx"), "flag");
  EXPECT_EQ(resolve_namespace("", with_ns, "ctx"), "from-config");
  EXPECT_EQ(resolve_namespace("", cli_config{}, "ctx"), "ctx");
  EXPECT_EQ(resolve_namespace("", cli_config{}, ""), "default");
}

TEST(CliConfig, CredentialKeysPerAgent) {
  struct row {
    const char *type, *cred, *key;
  };
  for (auto [type, cred, key] :
       {row{"claude-code", "api-key", "ANTHROPIC_API_KEY"}, row{"claude-code", "oauth", "CLAUDE_CODE_OAUTH_TOKEN"},
        row{"codex", "api-key", "CODEX_API_KEY"}, row{"codex", "oauth", "CODEX_AUTH_JSON"},
        row{"gemini", "api-key", "GEMINI_API_KEY"}, row{"gemini", "oauth", "GEMINI_API_KEY"},
        row{"opencode", "api-key", "OPENCODE_API_KEY"}, row{"opencode", "oauth", "OPENCODE_API_KEY"}})
    EXPECT_EQ(credential_key(type, cred), key) << type << " " << cred;
}

run_flags prompt_only() {
  run_flags f;
  f.prompt = "do it";
  return f;
}

TEST(CliRunPlan, ConfigDefaultsFillFlagsNotGiven) {
  cli_config c;
  c.secret = "cfg-secret";
  c.credential_type = "oauth";
  c.type = "codex";
  c.model = "gpt-5";
  c.agent_config = "cfg-ac";
  c.workspace.name = "cfg-ws";
  auto plan = plan_run(prompt_only(), c, "ns1", "task-abcde", files({}), "/h");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_TRUE(plan->prerequisites.empty());
  EXPECT_EQ(plan->task, json::parse(R"({"apiVersion":"kelos.dev/v1alpha1","kind":"Task",
    "metadata":{"name":"task-abcde","namespace":"ns1"},
    "spec":{"type":"codex","prompt":"do it","model":"gpt-5",
            "credentials":{"type":"oauth","secretRef":{"name":"cfg-secret"}},
            "workspaceRef":{"name":"cfg-ws"},"agentConfigRef":{"name":"cfg-ac"}}})"));
}

TEST(CliRunPlan, FlagsOverrideConfig) {
  cli_config c;
  c.secret = "cfg-secret";
  c.type = "codex";
  c.model = "gpt-5";
  c.workspace.name = "cfg-ws";
  c.agent_config = "cfg-ac";
  auto f = prompt_only();
  f.secret = "flag-secret";
  f.type = "gemini";
  f.model = "gemini-2.5-pro";
  f.workspace = "flag-ws";
  f.agent_config = "flag-ac";
  f.credential_type = "api-key";
  f.name = "mine";
  f.branch = "fix";
  f.image = "img:1";
  f.depends_on = {"a", "b"};
  auto plan = plan_run(f, c, "ns", "task-zzzzz", files({}), "/h");
  ASSERT_TRUE(plan) << plan.error().message;
  const auto& spec = plan->task["spec"];
  EXPECT_EQ(plan->task["metadata"]["name"], "mine");
  EXPECT_EQ(spec["type"], "gemini");
  EXPECT_EQ(spec["model"], "gemini-2.5-pro");
  EXPECT_EQ(spec["credentials"]["secretRef"]["name"], "flag-secret");
  EXPECT_EQ(spec["workspaceRef"]["name"], "flag-ws");
  EXPECT_EQ(spec["agentConfigRef"]["name"], "flag-ac");
  EXPECT_EQ(spec["branch"], "fix");
  EXPECT_EQ(spec["image"], "img:1");
  EXPECT_EQ(spec["dependsOn"], json::array({"a", "b"}));
}

TEST(CliRunPlan, SecretPrecedenceFlagThenConfigSecretThenToken) {
  cli_config c;
  c.api_key = "key";
  c.secret = "cfg-secret";
  auto f = prompt_only();
  f.secret = "flag-secret";
  EXPECT_EQ(plan_run(f, c, "ns", "t", files({}), "/h")->task["spec"]["credentials"]["secretRef"]["name"], "flag-secret");
  auto p = plan_run(prompt_only(), c, "ns", "t", files({}), "/h");
  EXPECT_EQ(p->task["spec"]["credentials"]["secretRef"]["name"], "cfg-secret");
  EXPECT_TRUE(p->prerequisites.empty());
}

TEST(CliRunPlan, TokenAutoCreatesTheCredentialSecret) {
  cli_config c;
  c.oauth_token = "@~/oauth";
  auto f = prompt_only();
  f.credential_type = "api-key"; // forced to oauth by oauthToken
  auto plan = plan_run(f, c, "ns", "t", files({{"/h/oauth", "tok\n"}}), "/h");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->prerequisites.size(), 1u);
  const auto& secret = plan->prerequisites[0].object;
  EXPECT_EQ(secret["metadata"]["name"], "kelos-credentials");
  EXPECT_EQ(secret["metadata"]["namespace"], "ns");
  EXPECT_EQ(secret_value(secret, "CLAUDE_CODE_OAUTH_TOKEN"), base64_encode("tok"));
  EXPECT_EQ(plan->task["spec"]["credentials"]["type"], "oauth");

  cli_config k;
  k.api_key = "none";
  auto f2 = prompt_only();
  f2.type = "codex";
  auto p2 = plan_run(f2, k, "ns", "t", files({}), "/h");
  ASSERT_TRUE(p2);
  EXPECT_EQ(secret_value(p2->prerequisites[0].object, "CODEX_API_KEY"), "");
  EXPECT_EQ(p2->task["spec"]["credentials"]["type"], "api-key");
}

TEST(CliRunPlan, CredentialErrors) {
  auto none = plan_run(prompt_only(), cli_config{}, "ns", "t", files({}), "/h");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message,
            "no credentials configured (set oauthToken/apiKey in config file, or use --secret flag)");
  cli_config both;
  both.api_key = "a";
  both.oauth_token = "b";
  EXPECT_FALSE(plan_run(prompt_only(), both, "ns", "t", files({}), "/h"));
  cli_config unreadable;
  unreadable.api_key = "@/missing";
  auto e = plan_run(prompt_only(), unreadable, "ns", "t", files({}), "/h");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("apiKey"), std::string::npos);
  EXPECT_NE(e.error().message.find("/missing"), std::string::npos);
}

TEST(CliRunPlan, InlineWorkspaceWithTokenOrGitHubApp) {
  cli_config c;
  c.secret = "s";
  c.workspace.repo = "https://github.com/o/r.git";
  c.workspace.ref = "main";
  c.workspace.token = "ghp_x";
  auto plan = plan_run(prompt_only(), c, "ns", "t", files({}), "/h");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->prerequisites.size(), 2u);
  EXPECT_EQ(plan->prerequisites[0].object["metadata"]["name"], "kelos-workspace-credentials");
  EXPECT_EQ(secret_value(plan->prerequisites[0].object, "GITHUB_TOKEN"), base64_encode("ghp_x"));
  EXPECT_EQ(plan->prerequisites[1].object["spec"],
            json::parse(R"({"repo":"https://github.com/o/r.git","ref":"main",
                            "secretRef":{"name":"kelos-workspace-credentials"}})"));
  EXPECT_EQ(plan->task["spec"]["workspaceRef"]["name"], "kelos-workspace");

  c.workspace.token.clear();
  c.workspace.github_app = github_app_config{"1", "2", "~/k.pem"};
  auto app = plan_run(prompt_only(), c, "ns", "t", files({{"/h/k.pem", "PEM"}}), "/h");
  ASSERT_TRUE(app) << app.error().message;
  const auto& data = app->prerequisites[0].object["data"];
  EXPECT_EQ(data["appID"], base64_encode("1"));
  EXPECT_EQ(data["installationID"], base64_encode("2"));
  EXPECT_EQ(data["privateKey"], base64_encode("PEM"));

  c.workspace.token = "also";
  EXPECT_FALSE(plan_run(prompt_only(), c, "ns", "t", files({{"/h/k.pem", "PEM"}}), "/h"));

  // workspace.name wins over repo.
  c.workspace.name = "existing";
  c.workspace.token.clear();
  auto named = plan_run(prompt_only(), c, "ns", "t", files({}), "/h");
  ASSERT_TRUE(named);
  EXPECT_TRUE(named->prerequisites.empty());
  EXPECT_EQ(named->task["spec"]["workspaceRef"]["name"], "existing");
}

TEST(CliRunPlan, TimeoutEnvAndTypeValidation) {
  cli_config c;
  c.secret = "s";
  auto f = prompt_only();
  f.timeout = "1h30m";
  f.env = {"A=1", "B=x=y", "C="};
  auto plan = plan_run(f, c, "ns", "t", files({}), "/h");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->task["spec"]["podOverrides"], json::parse(R"({"activeDeadlineSeconds":5400,
    "env":[{"name":"A","value":"1"},{"name":"B","value":"x=y"},{"name":"C","value":""}]})"));
  struct bad {
    std::optional<std::string> timeout;
    std::vector<std::string> env;
    std::optional<std::string> type;
    const char* message;
  };
  for (const auto& b : {bad{"500ms", {}, {}, "--timeout must be at least 1s"},
                        bad{"0s", {}, {}, "--timeout must be at least 1s"},
                        bad{"-5m", {}, {}, "--timeout must be at least 1s"},
                        bad{"ten", {}, {}, "invalid --timeout \"ten\": time: invalid duration \"ten\""},
                        bad{"5", {}, {}, "invalid --timeout \"5\""},
                        bad{{}, {"NOVALUE"}, {}, "invalid --env \"NOVALUE\": must be NAME=VALUE"},
                        bad{{}, {"=x"}, {}, "invalid --env \"=x\""},
                        bad{{}, {}, "aider", "unknown agent type \"aider\""}}) {
    auto g = prompt_only();
    g.timeout = b.timeout;
    g.env = b.env;
    g.type = b.type;
    auto r = plan_run(g, c, "ns", "t", files({}), "/h");
    ASSERT_FALSE(r) << b.message;
    EXPECT_EQ(r.error().message.substr(0, std::string{b.message}.size()), b.message);
  }
  auto empty = prompt_only();
  empty.prompt.clear();
  EXPECT_FALSE(plan_run(empty, c, "ns", "t", files({}), "/h"));
}

TEST(CliRunPlan, RandomNamesUseTheKubernetesAlphabet) {
  uint32_t n = 0;
  auto name = random_task_name([&] { return n++; });
  EXPECT_EQ(name, "task-bcdfg");
  n = 1000;
  for (int i = 0; i < 50; ++i) {
    auto r = random_task_name([&] { return n++ * 7919u; });
    ASSERT_EQ(r.size(), 10u);
    EXPECT_EQ(r.substr(5).find_first_of("aeiou013"), std::string::npos) << r;
  }
}

TEST(CliConfig, Base64) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(CliConfig, TemplateParsesAndMentionsEveryKey) {
  auto t = config_template();
  EXPECT_TRUE(parse_config(t, "template"));
  for (const char* key : {"oauthToken", "apiKey", "secret", "credentialType", "type", "model", "namespace",
                          "workspace", "repo", "ref", "token", "githubApp", "appID", "installationID",
                          "privateKeyPath", "agentConfig"})
    EXPECT_NE(t.find(key), std::string::npos) << key;
}

} // namespace
