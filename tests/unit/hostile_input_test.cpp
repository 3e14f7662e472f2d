// Hostile and malformed input (docs/fuzzing.md, "Hostile-input battery"): what users and
// issue authors control — issue titles and bodies, prompts, workspace file paths and
// contents, plugin/skill/agent names, ConfigMap keys, spawner and item names — must end as
// a clear error or a safe result. Text is data: never a template, never shell source.
// Where the builder emits a script, the script is run for real with /bin/sh in a temporary
// directory, and the test checks that nothing outside the intended directory is touched.

#include "actors/node/image_map.hpp"
#include "actors/node/pod_plan.hpp"
#include "actors/task/job_builder.hpp"
#include "sources/spawn_template.hpp"
#include "sources/task_naming.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

using namespace kelos;
using k8s::json;
namespace fs = std::filesystem;

namespace {

/// Shell and template metacharacters an issue author can type.
const std::vector<std::string> hostile_texts = {
  "$(rm -rf /)",
  "`touch pwned`",
  "a; touch pwned; b",
  "x | tee pwned",
  "'\"'\"' && touch pwned #",
  "{{.Deps}}",
  "{{ .Body }} {{",
  "}} {{- end}} {{define \"x\"}}",
  "${HOME} $KELOS_BRANCH \\n \\",
  std::string{"nul\0byte", 8},
  "line1\nline2\r\n\ttab",
  "\xff\xfe invalid utf-8 \xc3",
};

const std::size_t ten_mb = std::size_t{10} << 20;

// ------------------------------------------------------------------------- a temp dir

class temp_dir {
public:
  temp_dir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("kelos-hostile-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

/// Every path under `root` (relative), symlinks not followed.
std::set<std::string> tree(const fs::path& root) {
  std::set<std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it)
    out.insert(fs::relative(it->path(), root).string());
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

/// Runs `/bin/sh -c script` in `cwd` (argv, no outer shell); returns the exit status.
int run_sh(const std::string& script, const fs::path& cwd) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0)
      ::_exit(126);
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// ------------------------------------------------------------------------- Job builder

k8s::task make_task() {
  k8s::task t;
  t.meta.name = "hostile";
  t.meta.namespace_ = "default";
  t.meta.uid = "uid-1";
  t.spec.type = "claude-code";
  t.spec.prompt = "ignored: the resolved prompt is passed separately";
  t.spec.credentials = k8s::task_credentials{"api-key", "creds"};
  return t;
}

expected<json> build(const std::string& prompt, const k8s::workspace_spec* ws = nullptr,
                     const k8s::agent_config_spec* ac = nullptr) {
  auto task = make_task();
  return task::build_job(task::job_inputs{&task, ws, ac, prompt}, task::default_job_builder_config());
}

const json& pod_spec(const json& job) { return job.at("spec").at("template").at("spec"); }

const json& init_container(const json& job, std::string_view name) {
  for (const auto& c : pod_spec(job).at("initContainers"))
    if (c.at("name") == name)
      return c;
  throw std::runtime_error("no init container " + std::string{name});
}

/// The `sh -c` script of a container, with the pod's paths moved under `root`.
std::string script_under(const json& c, const fs::path& root) {
  EXPECT_EQ(c.at("command").at(0), "sh");
  auto s = c.at("command").at(2).get<std::string>();
  s = replace_all(s, "/workspace/repo", (root / "repo").string());
  return replace_all(s, "/kelos/plugin", (root / "plugin").string());
}

TEST(HostileJobBuilder, PromptIsTheAgentsOnlyArgumentVerbatimAndNeverReachesAShell) {
  k8s::workspace_spec ws;
  ws.repo = "https://github.com/acme/app.git";
  ws.files = {{"notes.md", "x"}};
  for (const auto& text : hostile_texts) {
    SCOPED_TRACE(text);
    const std::string prompt = "Fix: " + text;
    auto job = build(prompt, &ws);
    if (text.find('\0') != std::string::npos) {
      // A NUL would silently cut the argument at execve(): a clear error instead.
      ASSERT_FALSE(job.has_value());
      EXPECT_NE(job.error().message.find("the prompt contains a NUL character at byte 8"), std::string::npos)
        << job.error().message;
      continue;
    }
    ASSERT_TRUE(job.has_value()) << job.error().message;
    const json& agent = pod_spec(*job).at("containers").at(0);
    EXPECT_EQ(agent.at("command"), json::array({"/kelos_entrypoint.sh"}));
    ASSERT_EQ(agent.at("args").size(), 1u);
    EXPECT_EQ(agent.at("args").at(0).get<std::string>(), prompt);
    // No init container script or env value carries the prompt.
    for (const auto& c : pod_spec(*job).at("initContainers"))
      EXPECT_EQ(c.dump(-1, ' ', false, json::error_handler_t::replace).find("Fix: "), std::string::npos);
  }
}

TEST(HostileJobBuilder, TenMegabytePromptIsPassedWhole) {
  std::string prompt(ten_mb, 'p');
  prompt += "$(rm -rf /)";
  auto job = build(prompt);
  ASSERT_TRUE(job.has_value()) << job.error().message;
  const auto& arg = pod_spec(*job).at("containers").at(0).at("args").at(0).get_ref<const std::string&>();
  EXPECT_EQ(arg.size(), prompt.size());
  EXPECT_EQ(arg, prompt);
}

TEST(HostileJobBuilder, WorkspaceFilePathsOutsideTheRepoAreRefused) {
  for (std::string bad : {"../x", "/etc/passwd", "a/../../x", "..", ".", "", "  ", "a\\..\\b", "./../x", "//abs"}) {
    SCOPED_TRACE(bad);
    k8s::workspace_spec ws;
    ws.repo = "https://github.com/acme/app.git";
    ws.files = {{bad, "content"}};
    auto job = build("p", &ws);
    ASSERT_FALSE(job.has_value());
    EXPECT_EQ(job.error().message.rfind("invalid workspace file path", 0), 0u) << job.error().message;
  }
}

TEST(HostileJobBuilder, WorkspaceFilesWithHostileNamesAndContentLandVerbatimInsideTheRepo) {
  temp_dir t;
  fs::create_directories(t.path() / "repo");
  fs::create_directories(t.path() / "outside");
  k8s::workspace_spec ws;
  ws.repo = "https://github.com/acme/app.git";
  std::vector<std::pair<std::string, std::string>> want;
  int i = 0;
  for (std::string name : {"$(touch pwned)", "`touch pwned`", "a; touch pwned", "q'uote\"s", "sp ace/x|y", "a/./b/../c",
                           "-rf", "new\nline"}) {
    std::string content = hostile_texts[static_cast<std::size_t>(i++) % hostile_texts.size()] + "\n";
    ws.files.push_back({name, content});
  }
  auto job = build("p", &ws);
  ASSERT_TRUE(job.has_value()) << job.error().message;
  ASSERT_EQ(run_sh(script_under(init_container(*job, "workspace-files"), t.path()), t.path() / "repo"), 0);
  for (const auto& f : ws.files) {
    SCOPED_TRACE(f.path);
    auto rel = task::sanitize_workspace_file_path(f.path);
    ASSERT_TRUE(rel.has_value());
    EXPECT_EQ(read_file(t.path() / "repo" / *rel), f.content);
  }
  // Nothing ran: no `pwned` anywhere, and nothing appeared next to the repo.
  for (const auto& p : tree(t.path()))
    EXPECT_EQ(p.find("pwned") == std::string::npos || p.find("repo/") == 0, true) << p;
  EXPECT_FALSE(fs::exists(t.path() / "repo" / "pwned"));
  EXPECT_TRUE(fs::is_empty(t.path() / "outside"));
}

TEST(HostileJobBuilder, WorkspaceFilesDoNotFollowSymlinksOutOfTheRepo) {
  // A cloned repository can contain symlinks (committed by whoever controls the repo).
  // Writing spec.files through them would touch files outside the repo.
  temp_dir t;
  fs::create_directories(t.path() / "repo");
  fs::create_directories(t.path() / "outside");
  std::ofstream(t.path() / "outside" / "victim") << "original";
  fs::create_directory_symlink(t.path() / "outside", t.path() / "repo" / "linkdir");
  fs::create_symlink(t.path() / "outside" / "victim", t.path() / "repo" / "linkfile");
  for (std::string path : {"linkdir/new", "linkdir/victim", "linkfile", "linkdir/sub/x"}) {
    SCOPED_TRACE(path);
    k8s::workspace_spec ws;
    ws.repo = "https://github.com/acme/app.git";
    ws.files = {{path, "overwritten"}};
    auto job = build("p", &ws);
    ASSERT_TRUE(job.has_value()) << job.error().message;
    EXPECT_NE(run_sh(script_under(init_container(*job, "workspace-files"), t.path()), t.path() / "repo"), 0);
    EXPECT_EQ(tree(t.path() / "outside"), std::set<std::string>{"victim"});
    EXPECT_EQ(read_file(t.path() / "outside" / "victim"), "original");
  }
}

TEST(HostileJobBuilder, PluginSkillAndAgentNamesCannotLeaveThePluginDirectory) {
  for (std::string bad : {"..", ".", "", "a/b", "/abs", "a\\b", "../../etc"}) {
    for (int where = 0; where < 3; ++where) {
      SCOPED_TRACE(bad + " at " + std::to_string(where));
      k8s::agent_config_spec ac;
      k8s::plugin_spec p{where == 0 ? bad : "plug", {}, {}};
      if (where == 1)
        p.skills.push_back({bad, "skill"});
      if (where == 2)
        p.agents.push_back({bad, "agent"});
      if (where == 0)
        p.skills.push_back({"s", "skill"});
      ac.plugins.push_back(p);
      auto job = build("p", nullptr, &ac);
      ASSERT_FALSE(job.has_value());
      EXPECT_EQ(job.error().message.rfind("invalid plugin configuration: ", 0), 0u) << job.error().message;
    }
  }
  for (std::string bad : {"..", "", "a/b"}) {
    k8s::agent_config_spec ac;
    ac.mcp_servers.push_back({bad, "stdio", "cmd", {}, {}, {}, {}});
    auto job = build("p", nullptr, &ac);
    ASSERT_FALSE(job.has_value()) << bad;
    EXPECT_EQ(job.error().message.rfind("invalid MCP server configuration: ", 0), 0u) << job.error().message;
  }
}

TEST(HostileJobBuilder, PluginNamesWithShellMetacharactersAreLiteralDirectoryNames) {
  temp_dir t;
  fs::create_directories(t.path() / "plugin");
  k8s::agent_config_spec ac;
  ac.plugins.push_back({"$(touch pwned)", {{"`touch pwned`", "# skill\n$(id)\n"}}, {{"a; touch pwned", "agent'\n"}}});
  auto job = build("p", nullptr, &ac);
  ASSERT_TRUE(job.has_value()) << job.error().message;
  ASSERT_EQ(run_sh(script_under(init_container(*job, "plugin-setup"), t.path()), t.path()), 0);
  EXPECT_EQ(read_file(t.path() / "plugin" / "$(touch pwned)" / "skills" / "`touch pwned`" / "SKILL.md"), "# skill\n$(id)\n");
  EXPECT_EQ(read_file(t.path() / "plugin" / "$(touch pwned)" / "agents" / "a; touch pwned.md"), "agent'\n");
  EXPECT_FALSE(fs::exists(t.path() / "pwned"));
  EXPECT_EQ(tree(t.path()).size(), 7u); // plugin, its dir, skills, skill dir, SKILL.md, agents, agent file
}

// ------------------------------------------------------------------------- spawner templates

sources::work_item hostile_item(const std::string& text) {
  sources::work_item item;
  item.id = "42";
  item.number = 42;
  item.title = "Title " + text;
  item.body = "Body " + text;
  item.comments = "Comment " + text;
  item.labels = {text, "bug"};
  item.url = "https://github.com/o/r/issues/42";
  return item;
}

TEST(HostileSpawnTemplate, IssueTextIsDataNeverTemplateSource) {
  for (const auto& text : hostile_texts) {
    SCOPED_TRACE(text);
    auto item = hostile_item(text);
    auto prompt = sources::render_spawn_prompt("", item);
    ASSERT_TRUE(prompt.has_value()) << prompt.error().message;
    EXPECT_EQ(*prompt, "Issue #42: Title " + text + "\n\nBody " + text + "\n\nComments:\nComment " + text);
    auto custom = sources::render_spawn_prompt("[{{.Title}}] {{.Labels}} {{.Body}}", item);
    ASSERT_TRUE(custom.has_value()) << custom.error().message;
    EXPECT_EQ(*custom, "[Title " + text + "] " + text + ", bug Body " + text);
    auto branch = sources::render_spawn_branch("kelos/{{.Number}}-{{.Title}}", item);
    ASSERT_TRUE(branch.has_value());
    EXPECT_EQ(*branch, "kelos/42-Title " + text);
  }
}

TEST(HostileSpawnTemplate, TenMegabyteBodyIsAClearErrorNotAnUnboundedPrompt) {
  auto item = hostile_item("x");
  item.body = std::string(ten_mb, 'b');
  auto prompt = sources::render_spawn_prompt("", item);
  ASSERT_FALSE(prompt.has_value());
  EXPECT_NE(prompt.error().message.find("promptTemplate: "), std::string::npos) << prompt.error().message;
  EXPECT_NE(prompt.error().message.find("output"), std::string::npos) << prompt.error().message;
  EXPECT_LT(prompt.error().message.size(), 1000u);
  // A template that does not use the body is unaffected.
  auto title_only = sources::render_spawn_prompt("{{.Title}}", item);
  ASSERT_TRUE(title_only.has_value());
  EXPECT_EQ(*title_only, "Title x");
}

TEST(HostileSpawnTemplate, HostileTemplatesAreBoundedErrors) {
  auto item = hostile_item("x");
  for (const std::string& t :
       {std::string{"{{.Deps}}"}, std::string{"{{"}, std::string{"{{template \"x\"}}"}, std::string(100000, '{'),
std::string{"{{.Title"} + std::string{'\0'} + "}}"}) {
    SCOPED_TRACE(t.substr(0, 40));
    auto r = sources::render_spawn_prompt(t, item);
    EXPECT_FALSE(r.has_value());
    if (!r) {
      EXPECT_EQ(r.error().message.rfind("promptTemplate: ", 0), 0u) << r.error().message;
    }
  }
}

TEST(HostileSpawnTemplate, HugePrintfWidthsStayWithinTheOutputLimit) {
  auto r = sources::render_spawn_prompt("{{printf \"%0999999999d\" 1}}{{printf \"%-999999999s\" .Body}}", hostile_item("x"));
  if (r) {
    EXPECT_LE(r->size(), std::size_t{1} << 20);
  } else {
    EXPECT_EQ(r.error().message.rfind("promptTemplate: ", 0), 0u) << r.error().message;
  }
}

// ------------------------------------------------------------------------- Task naming

TEST(HostileTaskNaming, NamesStayValidLabelValuesAtAndOverTheLimit) {
  const std::regex label{"[a-z0-9]([-a-z0-9]*[a-z0-9])?"};
  std::string spawner31(31, 's');
  std::string id31(31, '1');
  // 31 + 1 + 31 = 63: exactly at the limit, kept verbatim.
  EXPECT_EQ(sources::spawned_task_name(spawner31, id31), spawner31 + "-" + id31);
  // 64: one over, cut and hashed.
  auto over = sources::spawned_task_name(spawner31, id31 + "2");
  EXPECT_EQ(over.size(), 63u);
  EXPECT_NE(over, sources::spawned_task_name(spawner31, id31 + "3"));
  std::set<std::string> seen;
  std::set<std::string> ids = {std::string(63, 'a'), std::string(64, 'a'), std::string(ten_mb / 16, 'Z'),
                                  "../../etc/passwd", "$(rm -rf /)", std::string{"a\0b", 3}, "----", "",
                                  "\xe2\x9c\x93 unicode", "UPPER_case.dots"};
  for (const auto& text : hostile_texts)
    ids.insert(text);
  for (const auto& id : ids) {
    for (const std::string& spawner : {std::string{"fix-bugs"}, std::string(63, 'x'), std::string{"-"}}) {
      auto name = sources::spawned_task_name(spawner, id);
      SCOPED_TRACE(id.substr(0, 40) + " / " + spawner.substr(0, 10) + " -> " + name);
      EXPECT_FALSE(name.empty());
      EXPECT_LE(name.size(), 63u);
      EXPECT_TRUE(std::regex_match(name, label));
      EXPECT_EQ(name, sources::spawned_task_name(spawner, id));
      if (spawner == "fix-bugs") {
        EXPECT_TRUE(seen.insert(name).second) << "two hostile ids share a name";
      }
    }
  }
}

// ------------------------------------------------------------------------- local node files

struct HostileLocalNode : ::testing::Test {
  node::image_map images;
  node::host_facts host;
  node::pod_refs refs;
  HostileLocalNode() {
    auto m = node::parse_image_map(node::builtin_image_map_text(), "builtin", node::image_map_vars{"/a", "/c"});
    EXPECT_TRUE(m.has_value());
    if (m)
      images = *m;
    host.pod_dir = "/pods/default_p_u1";
    host.file_exists = [](const std::string&) { return true; };
    host.command_exists = [](const std::string&) { return true; };
  }
  static json pod(json volume) {
    return json{{"metadata", {{"name", "p"}, {"namespace", "default"}, {"uid", "u1"}}},
                {"spec",
                 {{"containers", json::array({{{"name", "c"},
                                               {"image", "ghcr.io/kelos-dev/kelos-demo-agent:latest"},
                                               {"volumeMounts", json::array({{{"name", "v"}, {"mountPath", "/m"}}})}}})},
                  {"volumes", json::array({std::move(volume)})}}}};
  }
  /// Every file and directory of a plan stays under the pod directory.
  void expect_contained(const node::pod_plan& plan) {
    for (const auto& f : plan.files) {
      EXPECT_EQ(f.path.rfind(host.pod_dir + "/volumes/v/", 0), 0u) << f.path;
      EXPECT_EQ(f.path.find("/../"), std::string::npos) << f.path;
    }
  }
};

TEST_F(HostileLocalNode, ConfigMapKeysThatAreNotFileNamesAreRefused) {
  for (std::string key : {"../escape", "../../../../tmp/x", "a/b", "..", ".", "/abs", ""}) {
    SCOPED_TRACE(key);
    refs.config_maps["cm"] = json{{"data", {{key, "x"}, {"ok", "y"}}}};
    auto r = node::plan_pod(pod({{"name", "v"}, {"configMap", {{"name", "cm"}}}}), refs, images, host);
    if (const auto* plan = std::get_if<node::pod_plan>(&r)) {
      ADD_FAILURE() << "planned a pod with ConfigMap key " << key;
      expect_contained(*plan);
    } else {
      const auto& err = std::get<node::plan_error>(r);
      EXPECT_NE(err.message.find("key"), std::string::npos) << err.message;
    }
    refs.secrets["s"] = json{{"stringData", {{key, "x"}}}};
    auto s = node::plan_pod(pod({{"name", "v"}, {"secret", {{"secretName", "s"}}}}), refs, images, host);
    EXPECT_TRUE(std::holds_alternative<node::plan_error>(s)) << key;
  }
}

TEST_F(HostileLocalNode, VolumeItemPathsOutsideTheVolumeAreRefused) {
  refs.config_maps["cm"] = json{{"data", {{"k", "x"}}}};
  for (std::string path : {"../x", "/etc/passwd", "a/../../x", "..", ""}) {
    SCOPED_TRACE(path);
    json vol{{"name", "v"}, {"configMap", {{"name", "cm"}, {"items", json::array({{{"key", "k"}, {"path", path}}})}}}};
    auto r = node::plan_pod(pod(vol), refs, images, host);
    ASSERT_TRUE(std::holds_alternative<node::plan_error>(r));
    EXPECT_NE(std::get<node::plan_error>(r).message.find("must be relative without '..'"), std::string::npos);
  }
  // Hostile but harmless names are planned inside the volume.
  refs.config_maps["cm"] = json{{"data", {{"a-b_c.d", "x"}, {"..data-like", "y"}}}};
  auto ok = node::plan_pod(pod({{"name", "v"}, {"configMap", {{"name", "cm"}}}}), refs, images, host);
  ASSERT_TRUE(std::holds_alternative<node::pod_plan>(ok));
  expect_contained(std::get<node::pod_plan>(ok));
}

} // namespace
