#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "k8s/client/exec_credential.hpp"
#include "k8s/client/rest_config.hpp"
#include "k8s/client/token_source.hpp"
#include "runtime/error.hpp"

namespace kelos::k8s::client {

/// A `clusters[].cluster` entry. Paths are absolute (resolved against the defining file);
/// `*_data` fields hold decoded bytes.
struct kubeconfig_cluster {
  /// `clusters[].name`.
  std::string name;
  /// `server`, as written (parsed only when the cluster is used).
  std::string server;
  /// `certificate-authority`: absolute path of a PEM file.
  std::string certificate_authority;
  /// `certificate-authority-data`, decoded.
  std::string certificate_authority_data;
  /// `insecure-skip-tls-verify`.
  bool insecure_skip_tls_verify = false;
  /// `tls-server-name`.
  std::string tls_server_name;
  /// "<file>: clusters[i].cluster", the prefix of error messages about this entry.
  std::string origin;
};

/// A `users[].user` entry. Paths are absolute; `*_data` fields hold decoded bytes.
struct kubeconfig_user {
  /// `users[].name`.
  std::string name;
  /// `client-certificate`: absolute path of a PEM file.
  std::string client_certificate;
  /// `client-certificate-data`, decoded.
  std::string client_certificate_data;
  /// `client-key`: absolute path of a PEM file.
  std::string client_key;
  /// `client-key-data`, decoded. Never log it.
  std::string client_key_data;
  /// `token`. Never log it.
  std::string token;
  /// `tokenFile`: absolute path.
  std::string token_file;
  /// `username` (basic auth).
  std::string username;
  /// `password` (basic auth). Never log it.
  std::string password;
  /// The exec block as written (command resolved if it contains '/'); validated only when
  /// this user is selected, as kubectl does.
  std::optional<exec_config> exec;
  /// Name of an `auth-provider` block (unsupported; an error when this user is selected).
  std::string auth_provider;
  /// "<file>: users[i].user".
  std::string origin;
};

/// A `contexts[].context` entry.
struct kubeconfig_context {
  /// `contexts[].name`.
  std::string name;
  /// Name of the cluster entry.
  std::string cluster;
  /// Name of the user entry; empty means anonymous.
  std::string user;
  /// `namespace`; empty when unset.
  std::string namespace_;
  /// "<file>: contexts[i].context".
  std::string origin;
};

/// One kubeconfig file, or several merged.
struct kubeconfig {
  /// Files that contributed, in load order.
  std::vector<std::string> files;
  /// Clusters by name.
  std::map<std::string, kubeconfig_cluster> clusters;
  /// Users by name.
  std::map<std::string, kubeconfig_user> users;
  /// Contexts by name.
  std::map<std::string, kubeconfig_context> contexts;
  /// Empty when no file set one.
  std::string current_context;
};

/// Parses one kubeconfig document. `path` is used in messages and as the base for
/// relative paths (made absolute first). Validates structure and base64 `*-data`
/// fields; everything else is checked when an entry is used. An empty document is an
/// empty config. Errors (`invalid_config`) look like
/// `/p/config: users[1].user.client-certificate-data: not valid base64` or
/// `/p/config:3:7: YAML error: ...` (1-based line and column).
kelos::expected<kubeconfig> parse_kubeconfig(std::string_view text, const std::string& path);

/// Reads and parses one file (`invalid_config` naming the path when unreadable).
kelos::expected<kubeconfig> read_kubeconfig_file(const std::string& path);

/// kubectl's merge: for clusters, users and contexts the first file that defines a name
/// wins; `current-context` comes from the first file that sets one. `later` is merged
/// into `into`, which came first.
void merge_kubeconfig(kubeconfig& into, kubeconfig later);

/// The files to load and whether they must exist.
struct kubeconfig_paths {
  std::vector<std::string> files;
  /// True for an explicit `--kubeconfig`: a missing file is an error. Otherwise missing
  /// files are skipped (at least one must exist).
  bool explicit_file = false;
};

/// kubectl's precedence: `explicit_path` (`--kubeconfig`) if non-empty; else `KUBECONFIG`
/// split on ':' (empty entries dropped, duplicates removed, order kept); else
/// `$HOME/.kube/config`.
kubeconfig_paths kubeconfig_search_paths(std::string_view explicit_path, const env_lookup& env);

/// Reads and merges the files (see `kubeconfig_paths` for missing files).
kelos::expected<kubeconfig> read_kubeconfig(const kubeconfig_paths& paths);

/// Command-line style overrides; empty fields do not override.
struct kubeconfig_overrides {
  /// `--context`: used instead of `current-context`.
  std::string context;
  /// `--cluster`: replaces the context's cluster.
  std::string cluster;
  /// `--user`: replaces the context's user.
  std::string user;
  /// `--namespace`: beats the context's namespace.
  std::string namespace_;
  /// `--server`: replaces the cluster's server.
  std::string server;
  /// `--token`: a static bearer token that beats every user credential.
  std::string token;
  /// `--certificate-authority`: path of a PEM file replacing the cluster's CA.
  std::string certificate_authority;
  /// `--tls-server-name`.
  std::string tls_server_name;
  /// `--insecure-skip-tls-verify`; `true` also drops any configured CA (as kubectl does).
  std::optional<bool> insecure_skip_tls_verify;
  /// Replaces the default User-Agent when set.
  std::string user_agent;
  /// How exec plugins are run and cached.
  exec_options exec{};
  /// How token files are re-read.
  file_token_options token_file{};
};

/// Picks the context (override, else `current-context`), its cluster and user, and
/// builds a `rest_config`: loads CA/cert/key files, checks PEM data, and creates the
/// token source (override token, else `token`, else `tokenFile`, else `exec`). Errors
/// (`invalid_config`) name the field, e.g. `context "kind-kelos" not found in /p/config`,
/// `/p/config: clusters[0].cluster.server: cluster "x" (context "y") has no server`.
kelos::expected<rest_config> resolve_kubeconfig(const kubeconfig& config,
                                                const kubeconfig_overrides& overrides = {});

/// `read_kubeconfig` + `resolve_kubeconfig`.
kelos::expected<rest_config> load_kubeconfig(const kubeconfig_paths& paths,
                                             const kubeconfig_overrides& overrides = {});

/// Loads a `KUBECONFIG`-style list (missing files skipped).
kelos::expected<rest_config> load_kubeconfig(const std::vector<std::string>& files,
                                             const kubeconfig_overrides& overrides = {});

} // namespace kelos::k8s::client
