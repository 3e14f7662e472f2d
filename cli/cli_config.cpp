#include "cli/cli_config.hpp"

#include "sources/duration.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace kelos::cli {
namespace {

kelos::error config_error(std::string_view origin, const std::string& what) {
  return kelos::error{errc::parse_error, std::string{origin} + ": " + what};
}

/// Reads a scalar key into `out` (numbers such as appID are scalars too).
kelos::expected<void> scalar(const YAML::Node& node, const char* key, std::string& out, std::string_view origin,
                             std::string_view path) {
  auto v = node[key];
  if (!v || v.IsNull())
    return {};
  if (!v.IsScalar())
    return config_error(origin, std::string{path} + key + ": must be a string");
  out = v.as<std::string>();
  return {};
}

} // namespace

kelos::expected<cli_config> parse_config(std::string_view yaml_text, std::string_view origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string{yaml_text});
  } catch (const YAML::Exception& e) {
    return config_error(origin, std::string{"invalid YAML: "} + e.what());
  }
  cli_config c;
  if (!root || root.IsNull())
    return c;
  if (!root.IsMap())
    return config_error(origin, "the top level must be a mapping");
  struct key {
    const char* name;
    std::string* field;
  };
  for (auto k : {key{"oauthToken", &c.oauth_token}, key{"apiKey", &c.api_key}, key{"secret", &c.secret},
                 key{"credentialType", &c.credential_type}, key{"type", &c.type}, key{"model", &c.model},
                 key{"namespace", &c.namespace_}, key{"agentConfig", &c.agent_config}})
    if (auto r = scalar(root, k.name, *k.field, origin, ""); !r)
      return r.error();
  if (auto ws = root["workspace"]; ws && !ws.IsNull()) {
    if (!ws.IsMap())
      return config_error(origin, "workspace: must be a mapping");
    for (auto k : {key{"name", &c.workspace.name}, key{"repo", &c.workspace.repo}, key{"ref", &c.workspace.ref},
                   key{"token", &c.workspace.token}})
      if (auto r = scalar(ws, k.name, *k.field, origin, "workspace."); !r)
        return r.error();
    if (auto app = ws["githubApp"]; app && !app.IsNull()) {
      if (!app.IsMap())
        return config_error(origin, "workspace.githubApp: must be a mapping");
      github_app_config g;
      for (auto k : {key{"appID", &g.app_id}, key{"installationID", &g.installation_id},
                     key{"privateKeyPath", &g.private_key_path}})
        if (auto r = scalar(app, k.name, *k.field, origin, "workspace.githubApp."); !r)
          return r.error();
      c.workspace.github_app = g;
    }
  }
  if (!c.credential_type.empty() && c.credential_type != "api-key" && c.credential_type != "oauth")
    return config_error(origin, "credentialType: must be api-key or oauth, not \"" + c.credential_type + "\"");
  return c;
}

std::string expand_home(std::string_view path, std::string_view home) {
  if (path == "~")
    return std::string{home};
  if (path.starts_with("~/"))
    return std::string{home} + std::string{path.substr(1)};
  return std::string{path};
}

kelos::expected<std::string> resolve_value(const std::string& value, const file_reader& read, std::string_view home) {
  if (value == "none")
    return std::string{};
  if (!value.starts_with("@"))
    return value;
  auto content = read(expand_home(std::string_view{value}.substr(1), home));
  if (!content)
    return content.error();
  auto text = std::move(*content);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  return text;
}

std::string resolve_namespace(std::string_view flag, const cli_config& config, std::string_view kube_namespace) {
  if (!flag.empty())
    return std::string{flag};
  if (!config.namespace_.empty())
    return config.namespace_;
  if (!kube_namespace.empty())
    return std::string{kube_namespace};
  return "default";
}

std::string credential_key(std::string_view agent_type, std::string_view credential_type) {
  bool oauth = credential_type == "oauth";
  if (agent_type == "codex")
    return oauth ? "CODEX_AUTH_JSON" : "CODEX_API_KEY";
  if (agent_type == "gemini")
    return "GEMINI_API_KEY";
  if (agent_type == "opencode")
    return "OPENCODE_API_KEY";
  return oauth ? "CLAUDE_CODE_OAUTH_TOKEN" : "ANTHROPIC_API_KEY";
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

json make_secret(const std::string& name, const std::string& ns,
                 const std::vector<std::pair<std::string, std::string>>& data) {
  json d = json::object();
  for (const auto& [k, v] : data)
    d[k] = base64_encode(v);
  return json{{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"type", "Opaque"},
              {"data", d}};
}

std::string random_task_name(const std::function<uint32_t()>& entropy) {
  static constexpr std::string_view alphanums = "bcdfghjklmnpqrstvwxz2456789";
  std::string name = "task-";
  for (int i = 0; i < 5; ++i)
    name += alphanums[entropy() % alphanums.size()];
  return name;
}

kelos::expected<run_plan> plan_run(const run_flags& flags, const cli_config& config, const std::string& ns,
                                   const std::string& random_name, const file_reader& read, std::string_view home) {
  auto pick = [](const std::optional<std::string>& flag, const std::string& configured, std::string fallback = {}) {
    if (flag)
      return *flag;
    return configured.empty() ? fallback : configured;
  };
  if (flags.prompt.empty())
    return kelos::error{errc::invalid_spec, "the prompt is empty (use -p/--prompt or --prompt-file)"};
  std::string type = pick(flags.type, config.type, "claude-code");
  static const std::vector<std::string> types{"claude-code", "codex", "gemini", "opencode"};
  if (std::find(types.begin(), types.end(), type) == types.end())
    return kelos::error{errc::invalid_spec,
                        "unknown agent type \"" + type + "\": must be one of claude-code, codex, gemini, opencode"};
  std::string name = flags.name ? *flags.name : random_name;
  run_plan plan;

  // Credentials: --secret, then config secret, then oauthToken/apiKey (auto-created secret).
  std::string secret = pick(flags.secret, config.secret);
  std::string credential_type = pick(flags.credential_type, config.credential_type, "api-key");
  if (credential_type != "api-key" && credential_type != "oauth")
    return kelos::error{errc::invalid_spec,
                        "unknown credential type \"" + credential_type + "\": must be api-key or oauth"};
  if (secret.empty()) {
    if (!config.oauth_token.empty() && !config.api_key.empty())
      return kelos::error{errc::invalid_spec, "config: oauthToken and apiKey cannot both be set"};
    if (!config.oauth_token.empty() || !config.api_key.empty()) {
      bool oauth = !config.oauth_token.empty();
      credential_type = oauth ? "oauth" : "api-key";
      auto value = resolve_value(oauth ? config.oauth_token : config.api_key, read, home);
      if (!value)
        return kelos::error{value.error().code,
                            std::string{"config "} + (oauth ? "oauthToken" : "apiKey") + ": " + value.error().message};
      secret = "kelos-credentials";
      plan.prerequisites.push_back(
        {"secret", make_secret(secret, ns, {{credential_key(type, credential_type), *value}})});
    }
  }
  if (secret.empty())
    return kelos::error{errc::invalid_spec,
                        "no credentials configured (set oauthToken/apiKey in config file, or use --secret flag)"};

  // Workspace: --workspace, then config workspace.name, then the inline workspace.repo.
  std::string workspace = pick(flags.workspace, config.workspace.name);
  if (workspace.empty() && !config.workspace.repo.empty()) {
    const auto& w = config.workspace;
    if (!w.token.empty() && w.github_app)
      return kelos::error{errc::invalid_spec, "config workspace: token and githubApp cannot both be set"};
    workspace = "kelos-workspace";
    json spec{{"repo", w.repo}};
    if (!w.ref.empty())
      spec["ref"] = w.ref;
    std::vector<std::pair<std::string, std::string>> data;
    if (!w.token.empty()) {
      auto token = resolve_value(w.token, read, home);
      if (!token)
        return kelos::error{token.error().code, "config workspace.token: " + token.error().message};
      data = {{"GITHUB_TOKEN", *token}};
    } else if (w.github_app) {
      const auto& app = *w.github_app;
      if (app.app_id.empty() || app.installation_id.empty() || app.private_key_path.empty())
        return kelos::error{errc::invalid_spec,
                            "config workspace.githubApp: appID, installationID and privateKeyPath are all required"};
      auto key = read(expand_home(app.private_key_path, home));
      if (!key)
        return kelos::error{key.error().code, "config workspace.githubApp.privateKeyPath: " + key.error().message};
      data = {{"appID", app.app_id}, {"installationID", app.installation_id}, {"privateKey", *key}};
    }
    if (!data.empty()) {
      plan.prerequisites.push_back({"secret", make_secret("kelos-workspace-credentials", ns, data)});
      spec["secretRef"] = {{"name", "kelos-workspace-credentials"}};
    }
    plan.prerequisites.push_back({"workspace",
                                  json{{"apiVersion", "kelos.dev/v1alpha1"},
                                       {"kind", "Workspace"},
                                       {"metadata", {{"name", workspace}, {"namespace", ns}}},
                                       {"spec", spec}}});
  }

  json spec{{"type", type},
            {"prompt", flags.prompt},
            {"credentials", {{"type", credential_type}, {"secretRef", {{"name", secret}}}}}};
  if (auto model = pick(flags.model, config.model); !model.empty())
    spec["model"] = model;
  if (flags.image && !flags.image->empty())
    spec["image"] = *flags.image;
  if (!workspace.empty())
    spec["workspaceRef"] = {{"name", workspace}};
  if (auto ac = pick(flags.agent_config, config.agent_config); !ac.empty())
    spec["agentConfigRef"] = {{"name", ac}};
  if (!flags.depends_on.empty())
    spec["dependsOn"] = flags.depends_on;
  if (flags.branch && !flags.branch->empty())
    spec["branch"] = *flags.branch;
  json overrides = json::object();
  if (flags.timeout) {
    auto d = sources::parse_go_duration(*flags.timeout);
    if (!d)
      return kelos::error{errc::invalid_spec, "invalid --timeout \"" + *flags.timeout + "\": " + d.error().message};
    if (*d < std::chrono::seconds{1})
      return kelos::error{errc::invalid_spec, "--timeout must be at least 1s"};
    overrides["activeDeadlineSeconds"] = std::chrono::duration_cast<std::chrono::seconds>(*d).count();
  }
  if (!flags.env.empty()) {
    json env = json::array();
    for (const auto& e : flags.env) {
      auto eq = e.find('=');
      if (eq == std::string::npos || eq == 0)
        return kelos::error{errc::invalid_spec, "invalid --env \"" + e + "\": must be NAME=VALUE"};
      env.push_back({{"name", e.substr(0, eq)}, {"value", e.substr(eq + 1)}});
    }
    overrides["env"] = env;
  }
  if (!overrides.empty())
    spec["podOverrides"] = overrides;
  plan.task = json{{"apiVersion", "kelos.dev/v1alpha1"},
                   {"kind", "Task"},
                   {"metadata", {{"name", name}, {"namespace", ns}}},
                   {"spec", spec}};
  return plan;
}

std::string config_template() {
  return R"(# Kelos CLI configuration (https://github.com/kelos-dev/kelos).
# Every key is optional; command-line flags override these defaults.

# Agent credentials. Set ONE of oauthToken or apiKey: `kelos run` then creates the
# Secret "kelos-credentials" for you. A value "@path" reads the file (~ is expanded);
# "none" means an empty value.
# oauthToken: ""
# apiKey: ""

# Or name a Secret you created yourself (takes precedence over oauthToken/apiKey):
# secret: my-agent-credentials
# credentialType: api-key   # or oauth

# Default agent type (claude-code, codex, gemini, opencode) and model.
# type: claude-code
# model: ""

# Default namespace (else the kubeconfig context's namespace, else "default").
# namespace: default

# Workspace: either name an existing Workspace...
# workspace:
#   name: my-workspace
# ...or describe a repository; `kelos run` creates the Workspace "kelos-workspace".
# workspace:
#   repo: https://github.com/your-org/your-repo.git
#   ref: main
#   token: ""                 # a GitHub PAT; creates Secret "kelos-workspace-credentials"
#   githubApp:                # or a GitHub App (not together with token)
#     appID: "12345"
#     installationID: "67890"
#     privateKeyPath: ~/.kelos/app.pem

# Default AgentConfig name.
# agentConfig: ""
)";
}

} // namespace kelos::cli
