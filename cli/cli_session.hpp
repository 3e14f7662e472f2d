#pragma once

/// What every API verb shares: the global flags (--config, --kubeconfig, -n, --context),
/// config loading, the API client, `Error: ...` reporting, the confirm prompt and the
/// file reader behind `@file`. Not pure (files, terminal, network).

#include "cli/cli_config.hpp"
#include "cli/cli_output.hpp"
#include "cli/verbs.hpp"
#include "k8s/client/http_client.hpp"
#include "k8s/resource_registry.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <iosfwd>
#include <memory>

namespace kelos::cli {

struct global_options {
  std::string config_path;
  std::string kubeconfig;
  std::string ns;
  std::string context;
};

/// Adds the global flags to a verb's parser.
void add_global_options(CLI::App& app, global_options& opts);

/// A CLI11 parser for a verb, with `kelos <verb>` as its name and help on -h/--help.
std::unique_ptr<CLI::App> make_app(const std::string& verb, const std::string& description);

/// Parses `args`; on --help prints help (exit 0), on a parse error prints `Error: ...` and a
/// hint (exit 2); otherwise runs `body`, whose `kelos::error` becomes `Error: <msg>`, exit 1.
int run_verb(CLI::App& app, const std::vector<std::string>& args, const std::function<int()>& body);

/// Thrown by verb bodies for `Error: <message>` and exit 1.
struct verb_failure {
  kelos::error error;
};
[[noreturn]] void fail(kelos::error e);
[[noreturn]] void fail(const std::string& message);
template <class T>
T must(kelos::expected<T> value) {
  if (!value)
    fail(value.error());
  return std::move(*value);
}
inline void must(kelos::expected<void> value) {
  if (!value)
    fail(value.error());
}

/// Reads files (`-` = stdin) with errors naming the path.
file_reader real_file_reader();

/// `$HOME` from the environment ("" when unset).
std::string home_dir(const environment& env);

/// The config file (`--config`, default ~/.kelos/config.yaml); a missing file is empty.
kelos::expected<cli_config> load_config(const global_options& opts, const environment& env);
/// The path `--config` names, or the default.
std::string config_path(const global_options& opts, const environment& env);

/// An API client and the resolved namespace.
struct session {
  cli_config config;
  std::string ns;
  std::string home;
  std::shared_ptr<k8s::http_client> http;
};

/// Loads the config and the kubeconfig (`--kubeconfig`, KUBECONFIG, ~/.kube/config; `--context`)
/// and resolves the namespace. Connecting is bounded by seconds, never a hang.
kelos::expected<session> open_session(const global_options& opts, const environment& env);

/// The API resource of a CLI kind, and of built-in kinds by Kind name ("Pod", "Secret").
const k8s::resource_info& resource_for(kind k);
const k8s::resource_info& builtin_resource(std::string_view kind_name);

/// For `get`/`delete`: the first positional argument must name a kind. Returns the usage
/// error message for an unknown one (empty when fine), so `kelos get pods` says what is wrong.
std::string unknown_kind_error(const std::vector<std::string>& args);

/// Drops `metadata.managedFields` (noise in -o yaml/json, as kubectl does by default).
json without_managed_fields(json object);

/// Synchronous calls bounded by `timeout`.
kelos::expected<json> api_get(session& s, const k8s::resource_info& res, const std::string& name);
kelos::expected<std::vector<json>> api_list(session& s, const k8s::resource_info& res, const std::string& ns,
                                            std::chrono::milliseconds timeout = std::chrono::seconds{30});

/// Creates `object`; when it exists and differs (for a Secret: anything but exactly the
/// desired keys and values), asks `Resource <kind>/<name> already exists. Override? [y/N]: `
/// (unless `yes`) and replaces it. Declining is the error `aborted`.
kelos::expected<void> ensure_object(session& s, const owned_object& obj, bool yes, std::istream& in);

/// The confirm prompt on stderr; true for y/yes (any case).
bool confirm(const std::string& kind, const std::string& name, std::istream& in);

/// True when `fd` is a terminal and NO_COLOR is unset (colour and progress only then).
bool is_terminal(int fd);

} // namespace kelos::cli
