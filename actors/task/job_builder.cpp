#include "actors/task/job_builder.hpp"

#include "k8s/kinds.hpp"
#include "sources/template/format.hpp"

#include <optional>
#include <set>

namespace kelos::task {

namespace {

using k8s::json;

constexpr std::string_view workspace_volume = "workspace";
constexpr std::string_view workspace_mount = "/workspace";
constexpr std::string_view repo_dir = "/workspace/repo";
constexpr std::string_view plugin_volume = "kelos-plugin";
constexpr std::string_view plugin_mount = "/kelos/plugin";

// The one-off git credential helper: answers with the agent's GITHUB_TOKEN at the time git
// asks, so the token never appears in the script or in .git/config.
constexpr std::string_view credential_helper =
  R"(!f() { echo "username=x-access-token"; echo "password=$GITHUB_TOKEN"; }; f)";

kelos::error invalid(std::string message) {
  return make_error(errc::invalid_spec, std::move(message));
}

std::string go_quoted(std::string_view s) {
  return sources::tmpl::go_quote(s);
}

json env_value(std::string_view name, std::string_view value) {
  return json{{"name", name}, {"value", value}};
}

json env_secret(std::string_view name, std::string_view secret, std::string_view key) {
  return json{{"name", name},
              {"valueFrom", {{"secretKeyRef", {{"name", secret}, {"key", key}}}}}};
}

json env_user(const k8s::env_var& e) {
  json out{{"name", e.name}};
  if (e.value)
    out["value"] = *e.value;
  if (!e.value_from.is_null())
    out["valueFrom"] = e.value_from;
  return out;
}

json container_security_context() {
  return json{{"runAsNonRoot", true},
              {"runAsUser", agent_uid},
              {"runAsGroup", agent_uid},
              {"allowPrivilegeEscalation", false},
              {"capabilities", {{"drop", json::array({"ALL"})}}},
              {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

json pod_security_context() {
  return json{{"fsGroup", agent_uid},
              {"runAsNonRoot", true},
              {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

json mount(std::string_view volume, std::string_view path) {
  return json{{"name", volume}, {"mountPath", path}};
}

/// An init container running the git helper image with the secure defaults.
json helper_container(std::string_view name, const agent_image& img) {
  json c{{"name", name}, {"image", img.image}, {"securityContext", container_security_context()}};
  if (!img.pull_policy.empty())
    c["imagePullPolicy"] = img.pull_policy;
  return c;
}

json sh_command(std::string script) {
  return json::array({"sh", "-c", std::move(script)});
}

/// `printf '%s' '<base64>' | base64 -d > <target>`: content never meets the shell unencoded.
std::string write_base64_line(std::string_view content, std::string_view target_word) {
  return "printf '%s' " + shell_single_quote(k8s::base64_encode(content)) + " | base64 -d > " +
         std::string{target_word};
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0)
      out += sep;
    out += parts[i];
  }
  return out;
}

/// The original's component-name check for plugin, skill, agent and MCP server names.
kelos::expected<void> check_component_name(std::string_view name, std::string_view kind) {
  if (name.empty())
    return invalid(std::string{kind} + " name is empty");
  if (name.find_first_of("/\\") != std::string_view::npos)
    return invalid(std::string{kind} + " name " + go_quoted(name) + " contains path separators");
  if (name == "." || name == "..")
    return invalid(std::string{kind} + " name " + go_quoted(name) + " is a path traversal");
  return {};
}

kelos::expected<std::string> workspace_files_script(const std::vector<k8s::workspace_file>& files) {
  std::vector<std::string> lines{"set -eu"};
  for (const auto& f : files) {
    auto rel = sanitize_workspace_file_path(f.path);
    if (!rel)
      return std::move(rel).error();
    lines.push_back("target=" + shell_single_quote(std::string{repo_dir} + "/" + *rel));
    // The cloned repository may contain symlinks: refuse to write through one (it could
    // point outside the repo), checking every component before mkdir creates any.
    std::string prefix{repo_dir};
    std::string check = "for p in";
    for (std::size_t start = 0; start <= rel->size();) {
      auto slash = rel->find('/', start);
      auto end = slash == std::string::npos ? rel->size() : slash;
      prefix += "/" + rel->substr(start, end - start);
      check += " " + shell_single_quote(prefix);
      start = end + 1;
    }
    check += R"x(; do if [ -L "$p" ]; then echo "workspace file $target: $p is a symlink" >&2; exit 1; fi; done)x";
    lines.push_back(std::move(check));
    lines.emplace_back(R"x(mkdir -p "$(dirname "$target")")x");
    lines.push_back(write_base64_line(f.content, R"("$target")"));
  }
  return join(lines, "\n");
}

kelos::expected<std::string> plugin_setup_script(const std::vector<k8s::plugin_spec>& plugins) {
  std::vector<std::string> lines{"set -eu"};
  auto fail = [](kelos::error e) {
    return invalid("invalid plugin configuration: " + e.message);
  };
  for (const auto& p : plugins) {
    if (auto ok = check_component_name(p.name, "plugin"); !ok)
      return fail(ok.error());
    const std::string base = std::string{plugin_mount} + "/" + p.name;
    for (const auto& s : p.skills) {
      if (auto ok = check_component_name(s.name, "skill"); !ok)
        return fail(ok.error());
      const std::string dir = base + "/skills/" + s.name;
      lines.push_back("mkdir -p " + shell_single_quote(dir));
      lines.push_back(write_base64_line(s.content, shell_single_quote(dir + "/SKILL.md")));
    }
    for (const auto& a : p.agents) {
      if (auto ok = check_component_name(a.name, "agent"); !ok)
        return fail(ok.error());
      const std::string dir = base + "/agents";
      lines.push_back("mkdir -p " + shell_single_quote(dir));
      lines.push_back(write_base64_line(a.content, shell_single_quote(dir + "/" + a.name + ".md")));
    }
  }
  return join(lines, "\n");
}

/// `git -c credential.helper= -c credential.helper='<helper>'`: clears inherited helpers,
/// then asks git to take the token from $GITHUB_TOKEN.
std::string git_with_helper() {
  return "git -c credential.helper= -c credential.helper=" + shell_single_quote(credential_helper);
}

std::string clone_with_helper_script() {
  const std::string repo{repo_dir};
  return git_with_helper() + R"( "$@" && { git -C )" + repo +
         " config --unset-all credential.helper 2>/dev/null || true; git -C " + repo +
         " config --add credential.helper " + shell_single_quote(credential_helper) + "; }";
}

std::string remote_setup_script(const std::vector<k8s::git_remote>& remotes) {
  std::vector<std::string> parts{"cd " + std::string{repo_dir}};
  for (const auto& r : remotes)
    parts.push_back("git remote add -- " + shell_single_quote(r.name) + " " +
                    shell_single_quote(r.url));
  return join(parts, " && ");
}

std::string branch_setup_script(bool with_helper) {
  const std::string git = with_helper ? git_with_helper() : std::string{"git"};
  return "cd " + std::string{repo_dir} + " || exit 1; " + git +
         R"( fetch origin -- "$KELOS_BRANCH":"$KELOS_BRANCH" 2>/dev/null; )"
         R"(if git rev-parse --verify refs/heads/"$KELOS_BRANCH" >/dev/null 2>&1; )"
         R"(then git checkout "$KELOS_BRANCH"; else git checkout -b "$KELOS_BRANCH"; fi)";
}

json labels_for(const k8s::task& t) {
  return json{{"app.kubernetes.io/name", "kelos"},
              {"app.kubernetes.io/component", "task"},
              {"app.kubernetes.io/managed-by", "kelos-controller"},
              {"kelos.dev/task", t.meta.name}};
}

std::string upstream_repo(const std::vector<k8s::git_remote>& remotes) {
  for (const auto& r : remotes) {
    if (r.name != "upstream")
      continue;
    auto loc = parse_github_repo(r.url);
    if (!loc.owner.empty() && !loc.repo.empty())
      return loc.owner + "/" + loc.repo;
  }
  return {};
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

/// Matches `https?://([^/]+)/([^/]+)/([^/]+)` at `pos` (the original's pattern, with dots
/// allowed in the repo).
std::optional<repo_location> match_https(std::string_view url, size_t pos) {
  std::string_view rest = url.substr(pos);
  if (starts_with(rest, "https://"))
    rest.remove_prefix(8);
  else if (starts_with(rest, "http://"))
    rest.remove_prefix(7);
  else
    return std::nullopt;
  repo_location loc;
  for (std::string* part : {&loc.host, &loc.owner}) {
    const size_t slash = rest.find('/');
    if (slash == 0 || slash == std::string_view::npos)
      return std::nullopt;
    *part = rest.substr(0, slash);
    rest.remove_prefix(slash + 1);
  }
  loc.repo = rest.substr(0, rest.find('/'));
  if (loc.repo.empty())
    return std::nullopt;
  return loc;
}

/// Matches `git@([^:]+):([^/]+)/([^/]+)` at `pos`.
std::optional<repo_location> match_ssh(std::string_view url, size_t pos) {
  std::string_view rest = url.substr(pos);
  if (!starts_with(rest, "git@"))
    return std::nullopt;
  rest.remove_prefix(4);
  repo_location loc;
  const size_t colon = rest.find(':');
  if (colon == 0 || colon == std::string_view::npos)
    return std::nullopt;
  loc.host = rest.substr(0, colon);
  rest.remove_prefix(colon + 1);
  const size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos)
    return std::nullopt;
  loc.owner = rest.substr(0, slash);
  rest.remove_prefix(slash + 1);
  loc.repo = rest.substr(0, rest.find('/'));
  if (loc.repo.empty())
    return std::nullopt;
  return loc;
}

std::string_view trim_git_suffix(std::string_view s) {
  constexpr std::string_view suffix = ".git";
  if (s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix)
    s.remove_suffix(suffix.size());
  return s;
}

} // namespace

job_builder_config default_job_builder_config() {
  job_builder_config cfg;
  for (const char* type : {"claude-code", "codex", "gemini", "opencode", "cursor"})
    cfg.agents[type] = agent_image{"ghcr.io/kelos-dev/" + std::string{type} + ":latest", {}};
  cfg.git = agent_image{std::string{default_git_image}, {}};
  return cfg;
}

std::string shell_single_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += R"('\'')";
    else
      out += c;
  }
  out += '\'';
  return out;
}

std::string clean_path(std::string_view path) {
  if (path.empty())
    return ".";
  const bool rooted = path.front() == '/';
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos)
      j = path.size();
    std::string_view elem = path.substr(i, j - i);
    i = j + 1;
    if (elem.empty() || elem == ".")
      continue;
    if (elem == "..") {
      if (!parts.empty() && parts.back() != "..")
        parts.pop_back();
      else if (!rooted)
        parts.push_back(elem);
      continue; // `..` at the root of a rooted path is dropped
    }
    parts.push_back(elem);
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k > 0)
      out += '/';
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

kelos::expected<std::string> sanitize_workspace_file_path(std::string_view path) {
  auto fail = [&](std::string_view reason) {
    return invalid("invalid workspace file path " + go_quoted(path) + ": " + std::string{reason});
  };
  if (path.find_first_not_of(" \t\n\v\f\r") == std::string_view::npos)
    return fail("path is empty");
  if (path.find('\\') != std::string_view::npos)
    return fail("path must use forward slashes");
  std::string clean = clean_path(path);
  if (clean == ".")
    return fail("path resolves to current directory");
  if (clean.front() == '/')
    return fail("absolute paths are not allowed");
  if (clean == ".." || starts_with(clean, "../"))
    return fail("path escapes repository root");
  return clean;
}

repo_location parse_github_repo(std::string_view url) {
  const std::string_view trimmed = trim_git_suffix(url);
  auto finish = [](repo_location loc) {
    loc.repo = std::string{trim_git_suffix(loc.repo)};
    return loc;
  };
  // Both patterns are unanchored in the original: the leftmost match wins.
  for (size_t pos = trimmed.find("http"); pos != std::string_view::npos;
       pos = trimmed.find("http", pos + 1))
    if (auto loc = match_https(trimmed, pos))
      return finish(*std::move(loc));
  for (size_t pos = trimmed.find("git@"); pos != std::string_view::npos;
       pos = trimmed.find("git@", pos + 1))
    if (auto loc = match_ssh(trimmed, pos))
      return finish(*std::move(loc));
  // Fallback: the last two `/` segments, no host.
  std::string_view rest = trimmed;
  if (!rest.empty() && rest.back() == '/')
    rest.remove_suffix(1);
  const size_t last = rest.rfind('/');
  if (last == std::string_view::npos)
    return repo_location{{}, {}, "unknown-repo-" + std::string{trimmed}};
  const std::string_view head = rest.substr(0, last);
  const size_t before = head.rfind('/');
  const std::string_view owner = before == std::string_view::npos ? head : head.substr(before + 1);
  return finish(repo_location{{}, std::string{owner}, std::string{rest.substr(last + 1)}});
}

kelos::expected<std::string> mcp_servers_json(const std::vector<k8s::mcp_server_spec>& servers) {
  auto fail = [](std::string reason) {
    return invalid("invalid MCP server configuration: " + std::move(reason));
  };
  std::map<std::string, const k8s::mcp_server_spec*> by_name; // sorted, as Go marshals maps
  for (const auto& s : servers) {
    if (auto ok = check_component_name(s.name, "MCP server"); !ok)
      return fail(ok.error().message);
    if (!by_name.emplace(s.name, &s).second)
      return fail("duplicate MCP server name " + go_quoted(s.name));
  }
  // ordered_json keeps the original's struct field order inside each entry.
  nlohmann::ordered_json entries = nlohmann::ordered_json::object();
  for (const auto& [name, s] : by_name) {
    nlohmann::ordered_json e = nlohmann::ordered_json::object();
    if (!s->type.empty())
      e["type"] = s->type;
    if (!s->command.empty())
      e["command"] = s->command;
    if (!s->args.empty())
      e["args"] = s->args;
    if (!s->url.empty())
      e["url"] = s->url;
    if (!s->headers.empty())
      e["headers"] = s->headers;
    if (!s->env.empty())
      e["env"] = s->env;
    entries[name] = std::move(e);
  }
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  doc["mcpServers"] = std::move(entries);
  return doc.dump();
}

std::string credential_env_name(std::string_view agent_type, std::string_view credential_type) {
  const bool api_key = credential_type == "api-key";
  if (!api_key && credential_type != "oauth")
    return {};
  if (agent_type == "codex")
    return api_key ? "CODEX_API_KEY" : "CODEX_AUTH_JSON";
  if (agent_type == "gemini")
    return "GEMINI_API_KEY";
  if (agent_type == "opencode")
    return "OPENCODE_API_KEY";
  if (agent_type == "cursor")
    return "CURSOR_API_KEY";
  return api_key ? "ANTHROPIC_API_KEY" : "CLAUDE_CODE_OAUTH_TOKEN";
}

namespace {

/// What the builder accumulates for the pod: agent env (in the original's order), the env
/// subset the git init containers get, init containers, volumes and the agent's mounts.
struct pod_parts {
  json env = json::array();
  json workspace_env = json::array();
  json init_containers = json::array();
  json volumes = json::array();
  json agent_mounts = json::array();
};

/// Env items 1-5 of seed §2.2: model, branch, agent type, spawner, credential.
void add_task_env(pod_parts& p, const k8s::task& task) {
  const k8s::task_spec& spec = task.spec;
  if (!spec.model.empty())
    p.env.push_back(env_value("KELOS_MODEL", spec.model));
  if (!spec.branch.empty())
    p.env.push_back(env_value("KELOS_BRANCH", spec.branch));
  p.env.push_back(env_value("KELOS_AGENT_TYPE", spec.type));
  if (auto it = task.meta.labels.find("kelos.dev/taskspawner");
      it != task.meta.labels.end() && !it->second.empty())
    p.env.push_back(env_value("KELOS_TASKSPAWNER", it->second));
  if (auto name = credential_env_name(spec.type, spec.credentials.type); !name.empty())
    p.env.push_back(env_secret(name, spec.credentials.secret_name, name));
}

/// Env items 6-7: GitHub host, base branch, upstream repo, tokens.
void add_workspace_env(pod_parts& p, const k8s::workspace_spec& ws) {
  const std::string host = parse_github_repo(ws.repo).host;
  const bool enterprise = !host.empty() && host != "github.com";
  if (enterprise) {
    p.env.push_back(env_value("GH_HOST", host));
    p.workspace_env.push_back(p.env.back());
  }
  if (!ws.ref.empty())
    p.env.push_back(env_value("KELOS_BASE_BRANCH", ws.ref));
  if (auto up = upstream_repo(ws.remotes); !up.empty())
    p.env.push_back(env_value("KELOS_UPSTREAM_REPO", up));
  if (!ws.secret_name.empty()) {
    p.env.push_back(env_secret("GITHUB_TOKEN", ws.secret_name, "GITHUB_TOKEN"));
    p.workspace_env.push_back(p.env.back());
    p.env.push_back(
      env_secret(enterprise ? "GH_ENTERPRISE_TOKEN" : "GH_TOKEN", ws.secret_name, "GITHUB_TOKEN"));
    p.workspace_env.push_back(p.env.back());
  }
}

json git_clone_container(const k8s::workspace_spec& ws, const pod_parts& p, const agent_image& git) {
  json args = json::array({"clone"});
  if (!ws.ref.empty()) {
    args.push_back("--branch");
    args.push_back(ws.ref);
  }
  for (const char* a : {"--no-single-branch", "--depth", "1", "--"})
    args.push_back(a);
  args.push_back(ws.repo);
  args.push_back(repo_dir);

  json c = helper_container("git-clone", git);
  if (!ws.secret_name.empty()) {
    // `sh -c script -- clone ...`: "$@" in the script is the clone arguments.
    c["command"] = sh_command(clone_with_helper_script());
    args.insert(args.begin(), "--");
  }
  c["args"] = std::move(args);
  if (!p.workspace_env.empty())
    c["env"] = p.workspace_env;
  return c;
}

/// The workspace volume and init containers: git-clone, remote-setup, branch-setup,
/// workspace-files.
kelos::expected<void> add_workspace(pod_parts& p, const k8s::workspace_spec& ws,
                                    const std::string& branch, const agent_image& git) {
  p.volumes.push_back(json{{"name", workspace_volume}, {"emptyDir", json::object()}});
  const json ws_mounts = json::array({mount(workspace_volume, workspace_mount)});
  p.agent_mounts.push_back(ws_mounts.at(0));
  std::vector<json> containers{git_clone_container(ws, p, git)};
  if (!ws.remotes.empty()) {
    json c = helper_container("remote-setup", git);
    c["command"] = sh_command(remote_setup_script(ws.remotes));
    containers.push_back(std::move(c));
  }
  if (!branch.empty()) {
    json c = helper_container("branch-setup", git);
    c["command"] = sh_command(branch_setup_script(!ws.secret_name.empty()));
    c["env"] = p.workspace_env;
    c["env"].push_back(env_value("KELOS_BRANCH", branch));
    containers.push_back(std::move(c));
  }
  if (!ws.files.empty()) {
    auto script = workspace_files_script(ws.files);
    if (!script)
      return std::move(script).error();
    json c = helper_container("workspace-files", git);
    c["command"] = sh_command(*std::move(script));
    containers.push_back(std::move(c));
  }
  for (auto& c : containers) {
    c["volumeMounts"] = ws_mounts;
    p.init_containers.push_back(std::move(c));
  }
  return {};
}

/// Env item 8 plus the plugin volume and plugin-setup init container.
kelos::expected<void> add_agent_config(pod_parts& p, const k8s::agent_config_spec& ac,
                                       const agent_image& git) {
  if (!ac.agents_md.empty())
    p.env.push_back(env_value("KELOS_AGENTS_MD", ac.agents_md));
  if (!ac.plugins.empty()) {
    auto script = plugin_setup_script(ac.plugins);
    if (!script)
      return std::move(script).error();
    p.volumes.push_back(json{{"name", plugin_volume}, {"emptyDir", json::object()}});
    p.agent_mounts.push_back(mount(plugin_volume, plugin_mount));
    p.env.push_back(env_value("KELOS_PLUGIN_DIR", plugin_mount));
    json c = helper_container("plugin-setup", git);
    c["command"] = sh_command(*std::move(script));
    c["volumeMounts"] = json::array({mount(plugin_volume, plugin_mount)});
    p.init_containers.push_back(std::move(c));
  }
  if (!ac.mcp_servers.empty()) {
    auto mcp = mcp_servers_json(ac.mcp_servers);
    if (!mcp)
      return std::move(mcp).error();
    p.env.push_back(env_value("KELOS_MCP_SERVERS", *mcp));
  }
  return {};
}

/// Env item 9: podOverrides.env in order; a variable named like a built-in one is dropped.
void add_user_env(pod_parts& p, const std::vector<k8s::env_var>& user) {
  std::set<std::string> builtin;
  for (const auto& e : p.env)
    builtin.insert(e.at("name").get<std::string>());
  for (const auto& e : user)
    if (builtin.count(e.name) == 0)
      p.env.push_back(env_user(e));
}

json owner_reference_to(const k8s::task& task) {
  return json{{"apiVersion", k8s::kelos_api_version},
              {"kind", "Task"},
              {"name", task.meta.name},
              {"uid", task.meta.uid},
              {"controller", true},
              {"blockOwnerDeletion", true}};
}

} // namespace

kelos::expected<k8s::json> build_job(const job_inputs& in, const job_builder_config& cfg) {
  if (in.task == nullptr)
    return make_error(errc::logic_error, "build_job: no task");
  const k8s::task& task = *in.task;
  const k8s::task_spec& spec = task.spec;

  auto agent = cfg.agents.find(spec.type);
  if (agent == cfg.agents.end())
    return invalid("unsupported agent type: " + spec.type);
  const std::string image = spec.image.empty() ? agent->second.image : spec.image;
  if (image.empty())
    return make_error(errc::invalid_config, "no image configured for agent type " + spec.type);
  const bool needs_git = in.workspace != nullptr ||
                         (in.agent_config != nullptr && !in.agent_config->plugins.empty());
  if (needs_git && cfg.git.image.empty())
    return make_error(errc::invalid_config, "no git helper image configured");
  if (starts_with(spec.branch, "-"))
    return invalid("invalid branch " + go_quoted(spec.branch) + ": must not start with '-'");
  // execve() ends an argument at the first NUL: the agent would get a silently cut prompt.
  if (auto nul = in.prompt.find('\0'); nul != std::string::npos)
    return invalid("the prompt contains a NUL character at byte " + std::to_string(nul) +
                   ", which a process argument cannot carry");

  pod_parts p;
  add_task_env(p, task);
  if (in.workspace != nullptr) {
    add_workspace_env(p, *in.workspace);
    if (auto ok = add_workspace(p, *in.workspace, spec.branch, cfg.git); !ok)
      return ok.error();
  }
  if (in.agent_config != nullptr)
    if (auto ok = add_agent_config(p, *in.agent_config, cfg.git); !ok)
      return ok.error();
  const k8s::pod_overrides* po = spec.overrides ? &*spec.overrides : nullptr;
  if (po != nullptr)
    add_user_env(p, po->env);

  json container{{"name", spec.type},
                 {"image", image},
                 {"command", json::array({"/kelos_entrypoint.sh"})},
                 {"args", json::array({in.prompt})},
                 {"env", std::move(p.env)},
                 {"securityContext", container_security_context()}};
  if (!agent->second.pull_policy.empty())
    container["imagePullPolicy"] = agent->second.pull_policy;
  if (in.workspace != nullptr)
    container["workingDir"] = repo_dir;
  if (!p.agent_mounts.empty())
    container["volumeMounts"] = std::move(p.agent_mounts);
  if (po != nullptr && !po->resources.is_null())
    container["resources"] = po->resources;

  json pod_spec{{"restartPolicy", "Never"},
                {"automountServiceAccountToken", false},
                {"securityContext", pod_security_context()},
                {"containers", json::array({std::move(container)})}};
  if (!p.init_containers.empty())
    pod_spec["initContainers"] = std::move(p.init_containers);
  if (!p.volumes.empty())
    pod_spec["volumes"] = std::move(p.volumes);
  if (po != nullptr && !po->node_selector.empty())
    pod_spec["nodeSelector"] = po->node_selector;

  const json labels = labels_for(task);
  json job_spec{{"backoffLimit", 0},
                {"template", {{"metadata", {{"labels", labels}}}, {"spec", std::move(pod_spec)}}}};
  if (po != nullptr && po->active_deadline_seconds)
    job_spec["activeDeadlineSeconds"] = *po->active_deadline_seconds;

  json metadata{{"name", task.meta.name},
                {"namespace", task.meta.namespace_},
                {"labels", labels},
                {"ownerReferences", json::array({owner_reference_to(task)})}};
  return json{{"apiVersion", "batch/v1"},
              {"kind", "Job"},
              {"metadata", std::move(metadata)},
              {"spec", std::move(job_spec)}};
}

} // namespace kelos::task
