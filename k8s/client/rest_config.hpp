#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "k8s/client/token_source.hpp"
#include "runtime/error.hpp"

namespace kelos::k8s::client {

/// Looks up one environment variable; nullopt when unset. Injected so tests can fake
/// the environment (in-cluster variables, KUBECONFIG, HOME).
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The real process environment (`getenv`).
env_lookup process_env();

/// An API server URL split into the parts a transport needs.
struct server_url {
  /// "https" or "http".
  std::string scheme;
  /// Host name or IP literal, IPv6 *without* brackets (e.g. "::1").
  std::string host;
  /// Explicit port, or 443 / 80 by scheme.
  uint16_t port = 0;
  /// Path prefix for every request, without a trailing slash ("" or "/k8s/clusters/c-1").
  std::string base_path;

  /// True for IPv6 literals (the host contains ':').
  bool is_ipv6() const { return host.find(':') != std::string::npos; }
  /// "host:port" with IPv6 hosts bracketed: the value of the HTTP Host header.
  std::string authority() const;
  /// Canonical "scheme://authority/base_path".
  std::string to_string() const;
};

/// Parses "https://host:port/prefix". A URL without "://" is taken as https (as kubectl
/// does). Rejects other schemes, user info, queries, fragments, empty hosts, bad ports.
kelos::expected<server_url> parse_server_url(std::string_view text);

/// Everything a transport needs to talk to one API server, fully resolved: file
/// contents are loaded and `*-data` fields decoded. Produced by `load_kubeconfig`,
/// `load_in_cluster` or `load_rest_config`.
struct rest_config {
  /// The API server.
  server_url server;
  /// True when `server.scheme` is "https".
  bool tls = false;
  /// PEM bundle of trusted CAs; empty means "use the system roots".
  std::string ca_pem;
  /// Static client certificate (PEM); empty or set together with `client_key_pem`. An exec
  /// plugin may instead provide a certificate dynamically through `tokens->current()`.
  std::string client_cert_pem;
  /// Static client private key (PEM) matching `client_cert_pem`. Never log it.
  std::string client_key_pem;
  /// Skip server certificate verification (never set together with `ca_pem`).
  bool insecure_skip_tls_verify = false;
  /// SNI / verification name; empty means "use server.host".
  std::string tls_server_name;
  /// HTTP basic auth user (kubeconfig `username`); empty when unused.
  std::string username;
  /// HTTP basic auth password (kubeconfig `password`). Never log it.
  std::string password;
  /// Default namespace for namespaced requests: "default" when nothing set one.
  std::string namespace_ = "default";
  /// True when the namespace came from an override, the kubeconfig context or the
  /// in-cluster namespace file (callers with their own fallback can tell "default" apart).
  bool namespace_explicit = false;
  /// Sent as User-Agent.
  std::string user_agent = "kelos/0.1.0";
  /// Bearer token / dynamic credential provider; null when the config has no token,
  /// token file or exec plugin. Shared and thread-safe.
  std::shared_ptr<client::token_source> tokens;
  /// Where this config came from, for messages: "kubeconfig /p (context kind-x)" or
  /// "in-cluster". Never contains secrets.
  std::string origin;
};

/// Reads a whole file. `io_error` naming the path and `strerror` on failure.
kelos::expected<std::string> read_file_bytes(const std::string& path);

/// True when `bytes` contains a PEM block ("-----BEGIN ").
bool looks_like_pem(std::string_view bytes);

/// Options of `load_rest_config`.
struct load_options {
  /// `--kubeconfig`: when set, only this file is used and it must exist.
  std::string kubeconfig_path;
  /// `--context`.
  std::string context;
  /// `--namespace`.
  std::string namespace_;
  /// Environment lookup; `process_env()` when empty.
  env_lookup env;
  /// Root prefix for the in-cluster service-account files ("" = "/").
  std::string in_cluster_root;
};

/// controller-runtime's order: `--kubeconfig`; else `KUBECONFIG`; else in-cluster when
/// KUBERNETES_SERVICE_HOST is set; else `$HOME/.kube/config`.
kelos::expected<rest_config> load_rest_config(const load_options& options);

} // namespace kelos::k8s::client
