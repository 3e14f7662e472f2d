#pragma once

/// `~/.kelos/config.yaml` (seed §4.1) and the precedence rules that turn flags plus config
/// into the objects `kelos run` creates. Pure: files are read through a `file_reader`.

#include "runtime/error.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::cli {

using json = nlohmann::json;

/// Reads a file (`-` = standard input); an error names the path.
using file_reader = std::function<kelos::expected<std::string>(const std::string& path)>;

struct github_app_config {
  std::string app_id;
  std::string installation_id;
  std::string private_key_path;
};

struct workspace_config {
  std::string name;
  std::string repo;
  std::string ref;
  std::string token;
  std::optional<github_app_config> github_app;
};

/// Every key of seed §4.1; all optional (empty = unset).
struct cli_config {
  std::string oauth_token;
  std::string api_key;
  std::string secret;
  std::string credential_type;
  std::string type;
  std::string model;
  std::string namespace_;
  std::string agent_config;
  workspace_config workspace;
};

/// Parses the config file text. Unknown keys are ignored; an empty text is an empty config.
/// Errors (`parse_error`) name `origin` and the key.
kelos::expected<cli_config> parse_config(std::string_view yaml_text, std::string_view origin);

/// `~` or `~/x` → `$HOME` or `$HOME/x`; anything else unchanged.
std::string expand_home(std::string_view path, std::string_view home);

/// A config secret value: `@path` reads the file (with `~` expansion, trailing newlines
/// trimmed), `none` is the empty string, anything else is itself.
kelos::expected<std::string> resolve_value(const std::string& value, const file_reader& read, std::string_view home);

/// `--namespace`, then config `namespace`, then the kubeconfig context's, then `default`.
std::string resolve_namespace(std::string_view flag, const cli_config& config, std::string_view kube_namespace);

/// The Secret key holding a credential for an agent type and credential type (seed §2.2).
std::string credential_key(std::string_view agent_type, std::string_view credential_type);

/// The flags of `kelos run`; nullopt = not given on the command line.
struct run_flags {
  std::string prompt;
  std::optional<std::string> type, secret, credential_type, model, image, name, workspace, agent_config, branch,
    timeout;
  std::vector<std::string> env;
  std::vector<std::string> depends_on;
};

/// An object to create before the Task, with the confirm prompt if it differs.
struct owned_object {
  std::string kind; // "secret" or "workspace" (for messages)
  json object;
};

/// What `kelos run` does: create (or confirm and replace) `prerequisites`, then `task`.
struct run_plan {
  std::vector<owned_object> prerequisites;
  json task;
};

/// Applies seed §4.2's rules: config defaults for flags not given, credential precedence
/// (`--secret`, config `secret`, then `oauthToken`/`apiKey` auto-creating `kelos-credentials`),
/// the inline workspace (`kelos-workspace` with a PAT or GitHub App secret), `--timeout`
/// (a Go duration of at least 1s), `--env NAME=VALUE`. `random_name` is used when no --name.
kelos::expected<run_plan> plan_run(const run_flags& flags, const cli_config& config, const std::string& ns,
                                   const std::string& random_name, const file_reader& read, std::string_view home);

/// The Secret object `name` with string data `data` (as stringData-free `data`: base64).
json make_secret(const std::string& name, const std::string& ns, const std::vector<std::pair<std::string, std::string>>& data);

/// `task-` plus 5 characters from k8s rand.String's alphabet (consonants and digits);
/// `entropy` supplies the randomness (one value per character).
std::string random_task_name(const std::function<uint32_t()>& entropy);

/// The commented template `kelos init` writes.
std::string config_template();

/// Base64 (standard alphabet, padded), for Secret data.
std::string base64_encode(std::string_view bytes);

} // namespace kelos::cli
