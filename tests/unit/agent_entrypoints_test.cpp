// Agent entrypoints (deploy/agents/<type>/kelos_entrypoint.sh): each script run with a fake
// agent CLI on PATH that records its argv and environment and prints canned JSON lines, and
// the built kelos-capture as KELOS_CAPTURE. Asserts argv, config files under a temp HOME, the
// marker block, the exit code and the missing-CLI message. The demo agent runs against a real
// temporary repository with a bare origin.
#include "tests/unit/capture_test_support.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <tuple>
#include <string>
#include <vector>

namespace {

using kelos::test::capture::process_result;
using kelos::test::capture::read_file;
using kelos::test::capture::run_process;
using kelos::test::capture::temp_dir;
using kelos::test::capture::write_file;
namespace fs = kelos::test::capture::fs;
using json = nlohmann::json;
using argv_t = std::vector<std::string>;

const std::string source_dir = KELOS_SOURCE_DIR;

std::string script(const std::string& type) {
  return source_dir + "/deploy/agents/" + type + "/kelos_entrypoint.sh";
}

const char* const fake_cli = R"(#!/bin/sh
for a in "$@"; do printf '%s\0' "$a"; done >"$FAKE_ARGV"
env >"$FAKE_ENV"
if [ -n "${FAKE_OUTPUT:-}" ]; then cat "$FAKE_OUTPUT"; fi
exit "${FAKE_EXIT:-0}"
)";

const char* const mcp_servers =
    R"({"mcpServers":{"gh":{"type":"stdio","command":"npx","args":["-y","srv"],"env":{"K":"V"}},)"
    R"("remote":{"type":"http","url":"https://mcp.example/x","headers":{"Authorization":"Bearer t"}}}})";

/// A temp HOME, a bin directory holding the fake CLI, a non-repository working directory.
struct agent_env {
  temp_dir tmp;
  std::string home = tmp.str() + "/home";
  std::string bin = tmp.str() + "/bin";
  std::string work = tmp.str() + "/work";
  std::string output = tmp.str() + "/agent-output.jsonl";
  std::string canned = tmp.str() + "/canned.jsonl";
  std::map<std::string, std::string> env;

  agent_env(const std::string& type, const std::string& cli) {
    fs::create_directories(home);
    fs::create_directories(work);
    if (!cli.empty())
      write_file(bin + "/" + cli, fake_cli, true);
    env = {{"PATH", bin + ":/usr/bin:/bin"},
           {"HOME", home},
           {"KELOS_AGENT_TYPE", type},
           {"KELOS_CAPTURE", KELOS_CAPTURE_BIN},
           {"KELOS_AGENT_OUTPUT", output},
           {"FAKE_ARGV", tmp.str() + "/argv"},
           {"FAKE_ENV", tmp.str() + "/env"},
           {"FAKE_OUTPUT", canned}};
  }

  process_result run(const std::string& type, const std::string& prompt) const {
    return run_process({"/bin/bash", script(type), prompt}, work, env);
  }

  argv_t recorded_argv() const {
    argv_t out;
    std::string all = read_file(tmp.str() + "/argv"), cur;
    for (char c : all) {
      if (c == '\0') {
        out.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    return out;
  }

  bool recorded_env_has(const std::string& line) const {
    const std::string all = "\n" + read_file(tmp.str() + "/env");
    return all.find("\n" + line + "\n") != std::string::npos;
  }
};

struct agent_case {
  const char* type;
  const char* cli;
  argv_t argv_with_model; // "PROMPT" stands for the prompt
  const char* agents_md;  // relative to HOME
  const char* jsonl;      // what the fake CLI prints
  const char* usage;      // the lines kelos-capture prints for it
};

const std::vector<agent_case>& agent_cases() {
  static const std::vector<agent_case> cases = {
      {"claude-code", "claude",
       {"--dangerously-skip-permissions", "--output-format", "stream-json", "--verbose", "-p",
        "PROMPT", "--model", "m1"},
       ".claude/CLAUDE.md",
       R"({"type":"result","total_cost_usd":2.5e-05,"usage":{"input_tokens":7,"output_tokens":8,"cache_read_input_tokens":9}})",
       "cost-usd: 2.5e-05\ninput-tokens: 7\noutput-tokens: 8\ncache-read-input-tokens: 9\n"},
      {"codex", "codex",
       {"exec", "--dangerously-bypass-approvals-and-sandbox", "--json", "PROMPT", "--model", "m1"},
       ".codex/AGENTS.md",
       R"({"type":"turn.completed","usage":{"input_tokens":10,"output_tokens":1}})"
       "\n"
       R"({"type":"turn.completed","usage":{"input_tokens":5,"output_tokens":2}})",
       "input-tokens: 15\noutput-tokens: 3\n"},
      {"gemini", "gemini",
       {"--yolo", "--output-format", "stream-json", "-p", "PROMPT", "--model", "m1"},
       ".gemini/GEMINI.md",
       R"({"type":"result","status":"success","stats":{"input_tokens":100,"output_tokens":20}})",
       "input-tokens: 100\noutput-tokens: 20\n"},
      {"opencode", "opencode", {"run", "--format", "json", "PROMPT", "--model", "m1"},
       ".config/opencode/AGENTS.md",
       R"({"type":"step_finish","part":{"tokens":{"input":4,"output":6}}})",
       "input-tokens: 4\noutput-tokens: 6\n"},
      {"cursor", "cursor-agent",
       {"-p", "--force", "--output-format", "stream-json", "--model", "m1", "PROMPT"},
       ".cursor/AGENTS.md",
       R"({"type":"result","subtype":"success","is_error":false,"duration_ms":5,"result":"ok","session_id":"s"})",
       nullptr},
  };
  return cases;
}

argv_t expected_argv(const agent_case& c, const std::string& prompt, bool with_model) {
  argv_t out;
  for (std::size_t i = 0; i < c.argv_with_model.size(); ++i) {
    const auto& a = c.argv_with_model[i];
    if (!with_model && a == "--model") {
      ++i; // drop the flag and its value
      continue;
    }
    out.push_back(a == "PROMPT" ? prompt : a);
  }
  return out;
}

class entrypoint : public testing::TestWithParam<agent_case> {};

TEST_P(entrypoint, runs_the_cli_tees_its_output_and_prints_the_block) {
  const auto& c = GetParam();
  agent_env e{c.type, c.cli};
  write_file(e.canned, std::string{c.jsonl} + "\n");
  e.env["KELOS_MODEL"] = "m1";
  e.env["KELOS_AGENTS_MD"] = "# Rules\nBe nice to $HOME and `quotes`.\n";
  const std::string prompt = "Fix it: $(touch " + e.tmp.str() + "/pwned) 'single' \"double\"";

  auto r = e.run(c.type, prompt);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(e.recorded_argv(), expected_argv(c, prompt, true));
  EXPECT_EQ(read_file(e.home + "/" + c.agents_md), "# Rules\nBe nice to $HOME and `quotes`.\n");
  EXPECT_EQ(read_file(e.output), std::string{c.jsonl} + "\n");
  std::string want = std::string{c.jsonl} + "\n";
  if (c.usage != nullptr)
    want += std::string{"---KELOS_OUTPUTS_START---\n"} + c.usage + "---KELOS_OUTPUTS_END---\n";
  EXPECT_EQ(r.out, want);
  EXPECT_FALSE(fs::exists(e.tmp.path() / "pwned"));
}

TEST_P(entrypoint, no_model_flag_without_kelos_model_and_the_agent_exit_code_wins) {
  const auto& c = GetParam();
  agent_env e{c.type, c.cli};
  write_file(e.canned, std::string{c.jsonl} + "\n");
  e.env["FAKE_EXIT"] = "5";
  auto r = e.run(c.type, "p");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(e.recorded_argv(), expected_argv(c, "p", false));
  if (c.usage != nullptr) {
    EXPECT_NE(r.out.find("---KELOS_OUTPUTS_END---"), std::string::npos) << "capture runs anyway";
  }
}

TEST_P(entrypoint, missing_cli_says_so_and_exits_127) {
  const auto& c = GetParam();
  agent_env e{c.type, ""};
  auto r = e.run(c.type, "p");
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_EQ(r.err, std::string{"agent CLI "} + c.cli + " not found on this machine\n");
  EXPECT_EQ(r.out, "");
}

TEST_P(entrypoint, missing_prompt_is_refused) {
  const auto& c = GetParam();
  agent_env e{c.type, c.cli};
  auto r = run_process({"/bin/bash", script(c.type)}, e.work, e.env);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(fs::exists(e.tmp.path() / "argv"));
}

INSTANTIATE_TEST_SUITE_P(agents, entrypoint, testing::ValuesIn(agent_cases()),
                         [](const auto& info) {
                           std::string n = info.param.type;
                           for (auto& ch : n)
                             if (ch == '-')
                               ch = '_';
                           return n;
                         });

// --- MCP configuration per agent -------------------------------------------------------------

json read_json(const std::string& path) {
  return json::parse(read_file(path), nullptr, /*allow_exceptions=*/false);
}

TEST(entrypoint_mcp, claude_writes_then_merges_claude_json) {
  agent_env e{"claude-code", "claude"};
  e.env["KELOS_MCP_SERVERS"] = mcp_servers;
  ASSERT_EQ(e.run("claude-code", "p").exit_code, 0);
  EXPECT_EQ(read_json(e.home + "/.claude.json"), json::parse(mcp_servers));

  write_file(e.home + "/.claude.json", R"({"theme":"dark","mcpServers":{"old":{"command":"x"}}})");
  ASSERT_EQ(e.run("claude-code", "p").exit_code, 0);
  auto cfg = read_json(e.home + "/.claude.json");
  EXPECT_EQ(cfg["theme"], "dark");
  EXPECT_EQ(cfg["mcpServers"]["old"]["command"], "x");
  EXPECT_EQ(cfg["mcpServers"]["gh"], json::parse(mcp_servers)["mcpServers"]["gh"]);
}

TEST(entrypoint_mcp, gemini_and_cursor_merge_mcp_servers) {
  for (auto [type, cli, file] : {std::tuple{"gemini", "gemini", "/.gemini/settings.json"},
                                 std::tuple{"cursor", "cursor-agent", "/.cursor/mcp.json"}}) {
    agent_env e{type, cli};
    e.env["KELOS_MCP_SERVERS"] = mcp_servers;
    write_file(e.home + file, R"({"keep":true})");
    ASSERT_EQ(e.run(type, "p").exit_code, 0) << type;
    auto cfg = read_json(e.home + file);
    EXPECT_EQ(cfg["keep"], true) << type;
    EXPECT_EQ(cfg["mcpServers"], json::parse(mcp_servers)["mcpServers"]) << type;
  }
}

TEST(entrypoint_mcp, codex_appends_toml_tables) {
  agent_env e{"codex", "codex"};
  e.env["KELOS_MCP_SERVERS"] = mcp_servers;
  write_file(e.home + "/.codex/config.toml", "model = \"o3\"\n");
  ASSERT_EQ(e.run("codex", "p").exit_code, 0);
  EXPECT_EQ(read_file(e.home + "/.codex/config.toml"),
            "model = \"o3\"\n"
            "\n[mcp_servers.\"gh\"]\ncommand = \"npx\"\nargs = [\"-y\",\"srv\"]\nenv = { \"K\" = \"V\" }\n"
            "\n[mcp_servers.\"remote\"]\nurl = \"https://mcp.example/x\"\n"
            "http_headers = { \"Authorization\" = \"Bearer t\" }\n");
}

TEST(entrypoint_mcp, opencode_writes_local_and_remote_servers_into_its_config) {
  agent_env e{"opencode", "opencode"};
  e.env["KELOS_MCP_SERVERS"] = mcp_servers;
  write_file(e.home + "/.config/opencode/opencode.json", R"({"theme":"x","mcp":{"old":{"type":"local","command":["a"]}}})");
  ASSERT_EQ(e.run("opencode", "p").exit_code, 0);
  auto cfg = read_json(e.home + "/.config/opencode/opencode.json");
  EXPECT_EQ(cfg["theme"], "x");
  EXPECT_EQ(cfg["mcp"]["old"]["command"], json::array({"a"}));
  EXPECT_EQ(cfg["mcp"]["gh"], json::parse(R"({"type":"local","command":["npx","-y","srv"],"enabled":true,"environment":{"K":"V"}})"));
  EXPECT_EQ(cfg["mcp"]["remote"], json::parse(R"({"type":"remote","url":"https://mcp.example/x","enabled":true,"headers":{"Authorization":"Bearer t"}})"));
}

TEST(entrypoint_mcp, missing_node_is_a_clear_error) {
  agent_env e{"opencode", "opencode"};
  // A PATH with the fake CLI and the basic tools, but no node.
  const std::string tools = e.tmp.str() + "/tools";
  fs::create_directories(tools);
  for (const char* t : {"bash", "sh", "mkdir", "cat", "tee", "env", "printf", "basename", "cp"})
    if (fs::exists(std::string{"/usr/bin/"} + t))
      fs::create_symlink(std::string{"/usr/bin/"} + t, tools + "/" + t);
  e.env["PATH"] = e.bin + ":" + tools;
  e.env["KELOS_MCP_SERVERS"] = mcp_servers;
  auto r = e.run("opencode", "p");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("node is required"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(e.tmp.path() / "argv")) << "the agent must not run without its MCP servers";
}

// --- plugins, credentials ----------------------------------------------------------------------

void make_plugin(const std::string& dir) {
  write_file(dir + "/p1/skills/s1/SKILL.md", "skill one");
  write_file(dir + "/p1/agents/a1.md", "agent one");
}

TEST(entrypoint_plugins, claude_passes_each_plugin_dir) {
  agent_env e{"claude-code", "claude"};
  const std::string plugins = e.tmp.str() + "/plugins";
  make_plugin(plugins);
  write_file(plugins + "/p2/skills/s/SKILL.md", "x");
  e.env["KELOS_PLUGIN_DIR"] = plugins;
  ASSERT_EQ(e.run("claude-code", "p").exit_code, 0);
  auto argv = e.recorded_argv();
  argv_t tail(argv.end() - 4, argv.end());
  EXPECT_EQ(tail, (argv_t{"--plugin-dir", plugins + "/p1/", "--plugin-dir", plugins + "/p2/"}));
}

TEST(entrypoint_plugins, codex_and_opencode_install_skills) {
  {
    agent_env e{"codex", "codex"};
    make_plugin(e.tmp.str() + "/plugins");
    e.env["KELOS_PLUGIN_DIR"] = e.tmp.str() + "/plugins";
    ASSERT_EQ(e.run("codex", "p").exit_code, 0);
    EXPECT_EQ(read_file(e.home + "/.codex/skills/p1-s1/SKILL.md"), "skill one");
    auto argv = e.recorded_argv();
    EXPECT_EQ(argv_t(argv.end() - 2, argv.end()), (argv_t{"--enable", "skills"}));
  }
  {
    agent_env e{"opencode", "opencode"};
    make_plugin(e.tmp.str() + "/plugins");
    e.env["KELOS_PLUGIN_DIR"] = e.tmp.str() + "/plugins";
    ASSERT_EQ(e.run("opencode", "p").exit_code, 0);
    EXPECT_EQ(read_file(e.home + "/.config/opencode/skills/p1-s1/SKILL.md"), "skill one");
    EXPECT_EQ(read_file(e.home + "/.config/opencode/agents/a1.md"), "agent one");
  }
}

TEST(entrypoint_credentials, codex_auth_json_loses_line_breaks_and_is_private) {
  agent_env e{"codex", "codex"};
  e.env["CODEX_AUTH_JSON"] = "{\n  \"token\": \"t\"\r\n}\n";
  ASSERT_EQ(e.run("codex", "p").exit_code, 0);
  EXPECT_EQ(read_file(e.home + "/.codex/auth.json"), "{  \"token\": \"t\"}");
  auto perms = fs::status(e.home + "/.codex/auth.json").permissions();
  EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
}

TEST(entrypoint_credentials, opencode_maps_the_key_by_provider) {
  struct row {
    const char* model;
    const char* want; // env line expected in the agent's environment, or null
  };
  for (const row& r : {row{"openai/gpt-5", "OPENAI_API_KEY=k"}, row{"google/gemini", "GEMINI_API_KEY=k"},
                       row{"groq/x", "GROQ_API_KEY=k"}, row{"xai/grok", "XAI_API_KEY=k"},
                       row{"anthropic/claude", "ANTHROPIC_API_KEY=k"},
                       row{"mystery/x", "ANTHROPIC_API_KEY=k"}, row{"", "ANTHROPIC_API_KEY=k"},
                       row{"zen/x", nullptr}}) {
    agent_env e{"opencode", "opencode"};
    e.env["OPENCODE_API_KEY"] = "k";
    if (*r.model != '\0')
      e.env["KELOS_MODEL"] = r.model;
    auto res = e.run("opencode", "p");
    ASSERT_EQ(res.exit_code, 0) << r.model;
    if (r.want != nullptr) {
      EXPECT_TRUE(e.recorded_env_has(r.want)) << r.model;
    } else {
      EXPECT_FALSE(e.recorded_env_has("ANTHROPIC_API_KEY=k")) << r.model;
    }
    EXPECT_EQ(res.err.find("Unrecognized provider") != std::string::npos,
              std::string{r.model} == "mystery/x")
        << r.model;
  }
}

TEST(entrypoint_plugins, cursor_installs_into_the_work_tree_and_excludes_it) {
  agent_env e{"cursor", "cursor-agent"};
  make_plugin(e.tmp.str() + "/plugins");
  e.env["KELOS_PLUGIN_DIR"] = e.tmp.str() + "/plugins";
  ASSERT_EQ(run_process({"/usr/bin/git", "init", "-q", e.work}, e.tmp.str(), e.env).exit_code, 0);
  ASSERT_EQ(e.run("cursor", "p").exit_code, 0);
  EXPECT_EQ(read_file(e.work + "/.cursor/skills/p1-s1/SKILL.md"), "skill one");
  EXPECT_EQ(read_file(e.work + "/.cursor/rules/p1-a1.mdc"), "agent one");
  auto status = run_process({"/usr/bin/git", "status", "--porcelain"}, e.work, e.env);
  EXPECT_EQ(status.out, "");
}

// --- the demo agent ----------------------------------------------------------------------------

struct demo_env {
  temp_dir tmp;
  std::string origin = tmp.str() + "/origin.git";
  std::string repo = tmp.str() + "/repo";
  std::string output = tmp.str() + "/agent-output.jsonl";
  std::map<std::string, std::string> env{{"PATH", "/usr/bin:/bin"},
                                         {"HOME", tmp.str()},
                                         {"GIT_CONFIG_NOSYSTEM", "1"},
                                         {"KELOS_CAPTURE", KELOS_CAPTURE_BIN},
                                         {"KELOS_AGENT_OUTPUT", output}};

  process_result git(const argv_t& args, const std::string& cwd) const {
    argv_t argv{"/usr/bin/git"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, cwd, env);
  }

  /// A bare origin with one commit on main, cloned to `repo`.
  demo_env() {
    EXPECT_EQ(git({"init", "-q", "--bare", "-b", "main", origin}, tmp.str()).exit_code, 0);
    EXPECT_EQ(git({"clone", "-q", origin, repo}, tmp.str()).exit_code, 0);
    write_file(repo + "/README.md", "hello\n");
    EXPECT_EQ(git({"add", "README.md"}, repo).exit_code, 0);
    EXPECT_EQ(git({"-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "-m", "init"}, repo)
                  .exit_code,
              0);
    EXPECT_EQ(git({"push", "-q", "origin", "HEAD:main"}, repo).exit_code, 0);
    EXPECT_EQ(git({"remote", "set-head", "origin", "main"}, repo).exit_code, 0);
  }

  process_result run(const std::string& prompt) const {
    return run_process({"/bin/sh", script("demo"), prompt}, repo, env);
  }

  std::string origin_show(const std::string& what) const {
    return git({"--git-dir", origin, "show", "-s", "--format=%an <%ae>|%s", what}, tmp.str()).out;
  }
};

TEST(demo_agent, commits_the_prompt_verbatim_on_the_task_branch_and_pushes) {
  demo_env d;
  ASSERT_EQ(d.git({"checkout", "-q", "-b", "kelos-task-1"}, d.repo).exit_code, 0);
  d.env["KELOS_BRANCH"] = "kelos-task-1";
  const std::string prompt = "Fix $(touch " + d.tmp.str() + "/pwned) `touch " + d.tmp.str() +
                             "/pwned2` 'single' \"double\" \\ $HOME\nsecond line; rm -rf /\n";
  auto r = d.run(prompt);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(d.tmp.path() / "pwned"));
  EXPECT_FALSE(fs::exists(d.tmp.path() / "pwned2"));
  EXPECT_EQ(read_file(d.repo + "/DEMO.md"), prompt + "\n");
  EXPECT_EQ(d.origin_show("kelos-task-1"),
            "Kelos Demo Agent <demo@kelos.dev>|kelos-demo: Fix $(touch " + d.tmp.str() +
                "/pwned) `touch " + d.tmp.str() + "/pwned2` 'single' \"double\" \\ $HOME\n");
  const std::string sha = d.git({"rev-parse", "HEAD"}, d.repo).out;
  EXPECT_EQ(d.git({"--git-dir", d.origin, "rev-parse", "kelos-task-1"}, d.tmp.str()).out, sha);

  const std::string diff = d.git({"show", "--format=", "--no-color", "HEAD", "--", "DEMO.md"}, d.repo).out;
  EXPECT_EQ(read_file(d.output),
            "{\"type\":\"result\",\"total_cost_usd\":0,\"usage\":{\"input_tokens\":" +
                std::to_string(prompt.size()) + ",\"output_tokens\":" + std::to_string(diff.size()) +
                "}}\n");
  const std::string block = "---KELOS_OUTPUTS_START---\nbranch: kelos-task-1\ncommit: " + sha +
                            "base-branch: main\ncost-usd: 0\ninput-tokens: " +
                            std::to_string(prompt.size()) + "\noutput-tokens: " +
                            std::to_string(diff.size()) + "\n---KELOS_OUTPUTS_END---\n";
  EXPECT_NE(r.out.find(block), std::string::npos) << r.out;
}

TEST(demo_agent, detached_head_gets_a_demo_branch) {
  demo_env d;
  const std::string short_sha = d.git({"rev-parse", "--short", "HEAD"}, d.repo).out;
  ASSERT_EQ(d.git({"checkout", "-q", "--detach"}, d.repo).exit_code, 0);
  d.env["KELOS_BRANCH"] = "ignored";
  auto r = d.run("Add docs");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string branch = "kelos-demo/" + short_sha.substr(0, short_sha.size() - 1);
  EXPECT_EQ(d.origin_show(branch), "Kelos Demo Agent <demo@kelos.dev>|kelos-demo: Add docs\n");
  EXPECT_NE(r.out.find("branch: " + branch + "\n"), std::string::npos) << r.out;
}

TEST(demo_agent, without_kelos_branch_it_never_commits_on_main) {
  demo_env d;
  auto r = d.run("Change");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(d.origin_show("main"), "T <t@e>|init\n");
  EXPECT_NE(r.out.find("branch: kelos-demo/"), std::string::npos) << r.out;
}

TEST(demo_agent, fail_directive_exits_3_after_capture) {
  demo_env d;
  auto r = d.run("Try\nkelos-demo: fail");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("---KELOS_OUTPUTS_END---"), std::string::npos);
  // A directive must be the whole line.
  demo_env d2;
  EXPECT_EQ(d2.run("say kelos-demo: fail please").exit_code, 0);
}

TEST(demo_agent, sleep_directive_waits) {
  demo_env d;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(d.run("kelos-demo: sleep 1").exit_code, 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(demo_agent, push_failure_is_exit_1) {
  demo_env d;
  ASSERT_EQ(d.git({"remote", "set-url", "origin", d.tmp.str() + "/missing.git"}, d.repo).exit_code, 0);
  auto r = d.run("x");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("git push origin HEAD failed"), std::string::npos) << r.err;
}

TEST(demo_agent, outside_a_repository_it_only_reports_usage) {
  demo_env d;
  const std::string dir = d.tmp.str() + "/plain";
  fs::create_directories(dir);
  auto r = run_process({"/bin/sh", script("demo"), "abc"}, dir, d.env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("---KELOS_OUTPUTS_START---\ncost-usd: 0\ninput-tokens: 3\n"
                       "output-tokens: 0\n---KELOS_OUTPUTS_END---\n"),
            std::string::npos)
      << r.out;
}

} // namespace
