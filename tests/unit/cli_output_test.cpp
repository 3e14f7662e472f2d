// Tables, detail views, SOURCE for every TaskSpawner source kind, waiting explanations,
// YAML output and kind aliases (seed §4.2).

#include "cli/cli_output.hpp"
#include "cli/cli_resources.hpp"

#include <gtest/gtest.h>

namespace {

using namespace kelos::cli;

kelos::k8s::time_point at(const char* t) {
  return *kelos::k8s::parse_time(t);
}

TEST(CliOutput, KindAliases) {
  for (auto [word, k] : {std::pair{"task", kind::task}, {"tasks", kind::task}, {"ts", kind::taskspawner},
                         {"taskspawners", kind::taskspawner}, {"ws", kind::workspace}, {"workspace", kind::workspace},
                         {"ac", kind::agentconfig}, {"agentconfigs", kind::agentconfig}}) {
    ASSERT_NE(find_kind(word), nullptr) << word;
    EXPECT_EQ(find_kind(word)->k, k) << word;
  }
  EXPECT_EQ(find_kind("pods"), nullptr);
  EXPECT_EQ(find_kind("t"), nullptr);
}

TEST(CliOutput, TablePaddingIsThreeSpaces) {
  EXPECT_EQ(format_table({{"NAME", "AGE"}, {"a-long-name", "5s"}}), "NAME          AGE\na-long-name   5s\n");
}

TEST(CliOutput, HumanDuration) {
  struct row {
    long long seconds;
    const char* text;
  };
  for (auto [s, text] : {row{-5, "<invalid>"}, row{-1, "0s"}, row{0, "0s"}, row{119, "119s"}, row{120, "2m"},
                         row{303, "5m3s"}, row{600, "10m"}, row{179 * 60, "179m"}, row{3 * 3600, "3h"},
                         row{3 * 3600 + 60 * 5, "3h5m"}, row{8 * 3600, "8h"}, row{47 * 3600, "47h"},
                         row{50 * 3600, "2d2h"}, row{48 * 3600, "2d"}, row{10 * 86400, "10d"},
                         row{800 * 86400LL, "2y70d"}, row{9 * 365 * 86400LL, "9y"}})
    EXPECT_EQ(human_duration(std::chrono::seconds{s}), text) << s;
}

json task(const char* name, const char* phase, json extra_spec = json::object(), json extra_status = json::object()) {
  json t{{"metadata", {{"name", name}, {"namespace", "ns"}, {"creationTimestamp", "2026-01-01T00:00:00Z"}}},
         {"spec", {{"type", "claude-code"}, {"prompt", "p"}}},
         {"status", {{"phase", phase}}}};
  t["spec"].update(extra_spec);
  t["status"].update(extra_status);
  return t;
}

TEST(CliOutput, TaskTableShowsDashesDurationAndAge) {
  auto now = at("2026-01-01T01:00:00Z");
  auto rows = table_rows(kind::task,
                         {task("a", "Succeeded", {{"branch", "fix"}, {"workspaceRef", {{"name", "ws"}}}},
                               {{"startTime", "2026-01-01T00:00:10Z"}, {"completionTime", "2026-01-01T00:05:13Z"}}),
                          task("b", "Running", {{"agentConfigRef", {{"name", "ac"}}}}, {{"startTime", "2026-01-01T00:58:00Z"}}),
                          task("c", "")},
                         now, false);
  EXPECT_EQ(format_table(rows),
            "NAME   TYPE          PHASE       BRANCH   WORKSPACE   AGENT CONFIG   DURATION   AGE\n"
            "a      claude-code   Succeeded   fix      ws          -              5m3s       60m\n"
            "b      claude-code   Running     -        -           ac             2m         60m\n"
            "c      claude-code   -           -        -           -              -          60m\n");
  auto all = table_rows(kind::task, {task("a", "Pending")}, now, true);
  EXPECT_EQ(all[0][0], "NAMESPACE");
  EXPECT_EQ(all[1][0], "ns");
}

json spawner(json when, json tmpl = {{"type", "claude-code"}}) {
  return json{{"metadata", {{"name", "s"}, {"namespace", "ns"}, {"creationTimestamp", "2026-01-01T00:00:00Z"}}},
              {"spec", {{"when", when}, {"taskTemplate", tmpl}}},
              {"status", {{"phase", "Running"}, {"totalDiscovered", 4}, {"totalTasksCreated", 2}}}};
}

TEST(CliOutput, SourceColumnForEverySourceKind) {
  json with_ws{{"type", "claude-code"}, {"workspaceRef", {{"name", "my-ws"}}}};
  struct row {
    json when;
    json tmpl;
    const char* source;
  };
  for (const auto& r : {row{{{"githubIssues", json::object()}}, with_ws, "GitHub Issues: my-ws"},
                        row{{{"githubIssues", {{"types", {"pulls"}}}}}, with_ws, "GitHub PRs: my-ws"},
                        row{{{"githubIssues", {{"types", {"issues", "pulls"}}}}}, with_ws, "GitHub Issues+PRs: my-ws"},
                        row{{{"githubIssues", {{"repo", "fork/repo"}}}}, with_ws, "GitHub Issues: fork/repo"},
                        row{{{"githubIssues", json::object()}}, json{{"type", "codex"}}, "GitHub Issues"},
                        row{{{"githubPullRequests", json::object()}}, with_ws, "GitHub PRs: my-ws"},
                        row{{{"jira", {{"project", "ENG"}, {"baseUrl", "https://x.atlassian.net"}}}}, with_ws, "Jira: ENG"},
                        row{{{"cron", {{"schedule", "0 9 * * 1"}}}}, with_ws, "cron: 0 9 * * 1"},
                        row{{{"webhook", json::object()}}, with_ws, "webhook"},
                        row{json::object(), with_ws, "-"}})
    EXPECT_EQ(source_summary(spawner(r.when, r.tmpl)), r.source) << r.when.dump();
  auto rows = table_rows(kind::taskspawner, {spawner({{"cron", {{"schedule", "* * * * *"}}}})},
                         at("2026-01-01T00:00:30Z"), false);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"s", "cron: * * * * *", "Running", "4", "2", "30s"}));
}

TEST(CliOutput, WorkspaceAndAgentConfigTables) {
  json ws{{"metadata", {{"name", "w"}, {"creationTimestamp", "2026-01-01T00:00:00Z"}}},
          {"spec", {{"repo", "https://github.com/o/r.git"}}}};
  json ac{{"metadata", {{"name", "a"}, {"creationTimestamp", "2026-01-01T00:00:00Z"}}},
          {"spec", {{"plugins", json::array({json::object(), json::object()})}, {"mcpServers", json::array({json::object()})}}}};
  auto now = at("2026-01-03T00:00:00Z");
  EXPECT_EQ(table_rows(kind::workspace, {ws}, now, false)[1],
            (std::vector<std::string>{"w", "https://github.com/o/r.git", "-", "2d"}));
  EXPECT_EQ(table_rows(kind::agentconfig, {ac}, now, false)[1], (std::vector<std::string>{"a", "2", "1", "2d"}));
  EXPECT_EQ(table_rows(kind::agentconfig, {}, now, false).size(), 1u);
}

TEST(CliOutput, TaskDetailView) {
  auto t = task("a", "Succeeded",
                {{"model", "opus"}, {"credentials", {{"type", "oauth"}, {"secretRef", {{"name", "creds"}}}}},
                 {"dependsOn", {"x", "y"}}, {"ttlSecondsAfterFinished", 60},
                 {"podOverrides", {{"activeDeadlineSeconds", 1800}}}},
                {{"jobName", "a"}, {"podName", "a-xyz"}, {"startTime", "2026-01-01T00:00:00Z"},
                 {"completionTime", "2026-01-01T00:02:00Z"}, {"outputs", {"branch: fix", "pr: 12"}},
                 {"results", {{"pr", "12"}, {"branch", "fix"}}}});
  EXPECT_EQ(detail_view(kind::task, t, at("2026-01-01T00:03:00Z")),
            "Name:               a\n"
            "Namespace:          ns\n"
            "Type:               claude-code\n"
            "Phase:              Succeeded\n"
            "Prompt:             p\n"
            "Secret:             creds\n"
            "Credential Type:    oauth\n"
            "Model:              opus\n"
            "Depends On:         x, y\n"
            "TTL:                60s\n"
            "Timeout:            1800s\n"
            "Job:                a\n"
            "Pod:                a-xyz\n"
            "Start Time:         2026-01-01T00:00:00Z\n"
            "Completion Time:    2026-01-01T00:02:00Z\n"
            "Duration:           2m\n"
            "Outputs:\n"
            "  branch: fix\n"
            "  pr: 12\n"
            "Results:\n"
            "  branch=fix\n"
            "  pr=12\n");
}

TEST(CliOutput, WaitingExplainsDependenciesAndBranchHolders) {
  auto blocked = task("c", "Waiting", {{"dependsOn", {"a", "b", "gone"}}, {"branch", "feat"},
                                       {"workspaceRef", {{"name", "ws"}}}});
  std::vector<json> all{task("a", "Succeeded"), task("b", "Running"), blocked,
                        task("holder", "Running", {{"branch", "feat"}, {"workspaceRef", {{"name", "ws"}}}}),
                        task("other-ws", "Running", {{"branch", "feat"}, {"workspaceRef", {{"name", "ws2"}}}})};
  EXPECT_EQ(waiting_reasons(blocked, all),
            (std::vector<std::string>{"dependency \"b\" is Running", "dependency \"gone\" does not exist",
                                      "branch \"feat\" is held by task \"holder\" (Running)"}));
  auto view = detail_view(kind::task, blocked, at("2026-01-01T00:00:00Z"), all);
  EXPECT_NE(view.find("Waiting For:        dependency \"b\" is Running\n"
                      "                    dependency \"gone\" does not exist\n"),
            std::string::npos)
    << view;
  EXPECT_TRUE(waiting_reasons(task("r", "Running", {{"dependsOn", {"b"}}}), all).empty());
}

TEST(CliOutput, OtherDetailViews) {
  json ws{{"metadata", {{"name", "w"}, {"namespace", "ns"}}},
          {"spec", {{"repo", "https://x/r.git"}, {"ref", "main"}, {"secretRef", {{"name", "tok"}}}}}};
  EXPECT_EQ(detail_view(kind::workspace, ws, kelos::k8s::now()),
            "Name:               w\nNamespace:          ns\nRepo:               https://x/r.git\n"
            "Ref:                main\nSecret:             tok\n");
  json ac{{"metadata", {{"name", "a"}, {"namespace", "ns"}}},
          {"spec",
           {{"agentsMD", std::string(100, 'm')},
            {"plugins", {{{"name", "kelos"}, {"skills", {{{"name", "s1"}}, {{"name", "s2"}}}}, {"agents", {{{"name", "r"}}}}}}},
            {"mcpServers", {{{"name", "gh"}, {"type", "http"}}}}}}};
  EXPECT_EQ(detail_view(kind::agentconfig, ac, kelos::k8s::now()),
            "Name:               a\nNamespace:          ns\nAgents MD:          " + std::string(80, 'm') +
              "...\nPlugins:\n  kelos (skills=[s1, s2], agents=[r])\nMCP Servers:\n  gh (http)\n");
  auto s = spawner({{"githubIssues", {{"labels", {"bug"}}, {"state", "open"}}}},
                   {{"type", "codex"}, {"workspaceRef", {{"name", "ws"}}}});
  s["spec"]["pollInterval"] = "1m";
  auto view = detail_view(kind::taskspawner, s, kelos::k8s::now());
  for (const char* part : {"Source:             GitHub Issues: ws\n", "  Labels:           bug\n",
                           "  State:            open\n", "Task Type:          codex\n", "Poll Interval:      1m\n",
                           "Discovered:         4\n", "Tasks Created:      2\n"})
    EXPECT_NE(view.find(part), std::string::npos) << part << "\n" << view;
}

TEST(CliOutput, YamlInTheShapeOfSigsK8sYaml) {
  json task = json::parse(R"({"apiVersion":"kelos.dev/v1alpha1","kind":"Task",
    "metadata":{"name":"t","namespace":"default","creationTimestamp":null},
    "spec":{"prompt":"line one\nline two","type":"claude-code","dependsOn":["a","b"],
            "podOverrides":{"env":[{"name":"A","value":"1"},{"name":"B","value":"true"}],"activeDeadlineSeconds":60}},
    "status":{}})");
  EXPECT_EQ(to_yaml(task),
            "apiVersion: kelos.dev/v1alpha1\n"
            "kind: Task\n"
            "metadata:\n"
            "  creationTimestamp: null\n"
            "  name: t\n"
            "  namespace: default\n"
            "spec:\n"
            "  dependsOn:\n"
            "  - a\n"
            "  - b\n"
            "  podOverrides:\n"
            "    activeDeadlineSeconds: 60\n"
            "    env:\n"
            "    - name: A\n"
            "      value: \"1\"\n"
            "    - name: B\n"
            "      value: \"true\"\n"
            "  prompt: |-\n"
            "    line one\n"
            "    line two\n"
            "  type: claude-code\n"
            "status: {}\n");
  struct row {
    json value;
    const char* yaml;
  };
  for (const auto& r : {row{json{{"k", ""}}, "k: \"\"\n"}, row{json{{"k", "a: b"}}, "k: \"a: b\"\n"},
                        row{json{{"k", "- x"}}, "k: \"- x\"\n"}, row{json{{"k", "no"}}, "k: \"no\"\n"},
                        row{json{{"k", "1.5"}}, "k: \"1.5\"\n"}, row{json{{"k", "@file"}}, "k: \"@file\"\n"},
                        row{json{{"k", "ends\n"}}, "k: |\n  ends\n"}, row{json{{"k", " lead\nx"}}, "k: \" lead\\nx\"\n"},
                        row{json{{"k", "plain text"}}, "k: plain text\n"}, row{json{{"k", json::array()}}, "k: []\n"},
                        row{json{{"k", 3}}, "k: 3\n"}, row{json{{"k", false}}, "k: false\n"}})
    EXPECT_EQ(to_yaml(r.value), r.yaml) << r.value.dump();
  EXPECT_EQ(to_json_text(json{{"a", 1}}), "{\n  \"a\": 1\n}\n");
}

file_reader files(std::map<std::string, std::string> contents) {
  return [contents](const std::string& path) -> kelos::expected<std::string> {
    auto it = contents.find(path);
    if (it == contents.end())
      return kelos::error{kelos::errc::io_error, "cannot read " + path};
    return it->second;
  };
}

TEST(CliResources, WorkspaceWithTokenCreatesItsSecret) {
  auto objs = plan_workspace({"w", "https://github.com/o/r.git", "main", "", "ghp"}, "ns");
  ASSERT_TRUE(objs);
  ASSERT_EQ(objs->size(), 2u);
  EXPECT_EQ((*objs)[0].object["metadata"]["name"], "w-credentials");
  EXPECT_EQ((*objs)[0].object["data"]["GITHUB_TOKEN"], base64_encode("ghp"));
  EXPECT_EQ((*objs)[1].object["spec"]["secretRef"]["name"], "w-credentials");
  auto plain = plan_workspace({"w", "https://x/r.git", "", "existing", ""}, "ns");
  ASSERT_EQ(plain->size(), 1u);
  EXPECT_EQ((*plain)[0].object["spec"], json::parse(R"({"repo":"https://x/r.git","secretRef":{"name":"existing"}})"));
  EXPECT_FALSE(plan_workspace({"w", "https://x/r.git", "", "s", "t"}, "ns"));
  EXPECT_FALSE(plan_workspace({"w", "", "", "", ""}, "ns"));
}

TEST(CliResources, AgentConfigPluginAndMcp) {
  agentconfig_flags f;
  f.name = "ac";
  f.agents_md = "@~/AGENTS.md";
  f.skills = {"review=Check things", "deploy=@/skills/deploy.md"};
  f.agents = {"critic=Be harsh"};
  f.mcp = {R"(github={"type":"http","url":"https://api.githubcopilot.com/mcp/"})", "fs=@/mcp/fs.json"};
  auto read = files({{"/h/AGENTS.md", "Be nice"}, {"/skills/deploy.md", "Deploy it"},
                     {"/mcp/fs.json", R"({"type":"stdio","command":"npx","args":["fs"]})"}});
  auto ac = plan_agentconfig(f, "ns", read, "/h");
  ASSERT_TRUE(ac) << ac.error().message;
  EXPECT_EQ((*ac)["spec"], json::parse(R"({"agentsMD":"Be nice",
    "plugins":[{"name":"kelos","skills":[{"name":"review","content":"Check things"},{"name":"deploy","content":"Deploy it"}],
                "agents":[{"name":"critic","content":"Be harsh"}]}],
    "mcpServers":[{"name":"github","type":"http","url":"https://api.githubcopilot.com/mcp/"},
                  {"name":"fs","type":"stdio","command":"npx","args":["fs"]}]})"));
  struct bad {
    std::vector<std::string> mcp;
    std::vector<std::string> skills;
    const char* part;
  };
  for (const auto& b : {bad{{"x={not json"}, {}, "not a JSON object"}, bad{{R"(x={"url":"u"})"}, {}, "\"type\" is required"},
                        bad{{R"(x={"type":"grpc"})"}, {}, "must be stdio, http or sse"},
                        bad{{R"(x={"type":"sse"})", R"(x={"type":"http"})"}, {}, "duplicate"},
                        bad{{"x=@/nope.json"}, {}, "/nope.json"}, bad{{}, {"noequals"}, "name=content"},
                        bad{{}, {"s=@/missing.md"}, "/missing.md"}}) {
    agentconfig_flags g;
    g.name = "ac";
    g.mcp = b.mcp;
    g.skills = b.skills;
    auto r = plan_agentconfig(g, "ns", read, "/h");
    ASSERT_FALSE(r) << b.part;
    EXPECT_NE(r.error().message.find(b.part), std::string::npos) << r.error().message;
  }
}

} // namespace
