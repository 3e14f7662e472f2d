#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "k8s/client/token_source.hpp"
#include "runtime/error.hpp"

namespace kelos::k8s::client {

/// One `env` entry of a kubeconfig exec block.
struct exec_env_var {
  /// Variable name.
  std::string name;
  /// Value (may hold a secret: never log it).
  std::string value;
};

/// A kubeconfig `users[].user.exec` block (client.authentication.k8s.io).
struct exec_config {
  /// Program to run. Already resolved against the kubeconfig's directory when it
  /// contains a '/'; otherwise looked up in PATH.
  std::string command;
  /// Arguments (argv[1..]); passed as is, never through a shell.
  std::vector<std::string> args;
  /// Added to (and overriding) the parent environment.
  std::vector<exec_env_var> env;
  /// "client.authentication.k8s.io/v1" or ".../v1beta1"; the plugin must answer with the same.
  std::string api_version;
  /// Shown when the command cannot be started.
  std::string install_hint;
  /// Put the cluster (server, CA, ...) into KUBERNETES_EXEC_INFO.
  bool provide_cluster_info = false;
  /// "Never", "IfAvailable", "Always" or "" (treated as "IfAvailable"). We are never
  /// interactive, so "Always" is rejected when the plugin is run.
  std::string interactive_mode;
};

/// The cluster as described to a plugin when `provide_cluster_info` is set.
struct exec_cluster_info {
  /// The cluster's `server`, as written in the kubeconfig.
  std::string server;
  /// CA bundle (PEM); sent base64-encoded as `certificate-authority-data`.
  std::string ca_pem;
  /// Sent as `insecure-skip-tls-verify` when true.
  bool insecure_skip_tls_verify = false;
  /// Sent as `tls-server-name` when set.
  std::string tls_server_name;
};

/// How plugins are run and their credentials cached.
struct exec_options {
  /// The plugin is killed (with its process group) after this long.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  /// Refresh this long before `expirationTimestamp`, but never earlier than half-way
  /// through the credential's remaining lifetime at the time it was fetched.
  std::chrono::milliseconds refresh_margin{std::chrono::seconds(10)};
  /// At most this many bytes of stdout are kept (more is an error).
  std::size_t max_output = 1 << 20;
  /// After a failed refresh while the old credential is still valid, the old one is served
  /// without re-running the plugin for this long (never past the real expiry).
  std::chrono::milliseconds failed_refresh_backoff{std::chrono::seconds(5)};
};

/// True for the ExecCredential API versions we speak (v1 and v1beta1).
bool is_supported_exec_api_version(std::string_view api_version);

/// The KUBERNETES_EXEC_INFO value: an ExecCredential with `spec.interactive: false` and,
/// when requested, `spec.cluster`.
std::string make_exec_info(const exec_config& config, const std::optional<exec_cluster_info>& cluster);

/// Validates a plugin's stdout: JSON, `kind: ExecCredential`, the configured apiVersion,
/// `status.token` or both `status.clientCertificateData` and `status.clientKeyData`,
/// optional RFC 3339 `status.expirationTimestamp`. Errors (`exec_plugin_failed`) name the
/// command and never quote the output (it may hold a token).
kelos::expected<credential> parse_exec_credential(std::string_view output,
                                                  const exec_config& config);

/// Runs the plugin once with posix_spawn (no shell; stdin is /dev/null; env = parent env +
/// `config.env` + KUBERNETES_EXEC_INFO), collects stdout/stderr and parses the result.
/// Errors: `exec_plugin_failed` (cannot start, non-zero exit, bad output; includes an
/// excerpt of stderr) or `timeout` (killed after `options.timeout`).
/// Caveats: reads `environ` (do not `setenv` concurrently); the exit status is collected
/// with `waitpid`, so SIGCHLD must not be ignored (SIG_IGN) by the program.
kelos::expected<credential> run_exec_plugin(const exec_config& config,
                                            const std::optional<exec_cluster_info>& cluster,
                                            const exec_options& options = {});

/// A token source running the plugin on first use and again when the cached credential
/// is close to expiry or after `invalidate()`. Calls are serialized: concurrent callers
/// wait for one plugin run. If a refresh fails while the old credential has not actually
/// expired yet, the old one is returned (and the plugin is not re-run for
/// `options.failed_refresh_backoff`).
std::shared_ptr<token_source> make_exec_token_source(exec_config config,
                                                     std::optional<exec_cluster_info> cluster,
                                                     exec_options options = {});

} // namespace kelos::k8s::client
