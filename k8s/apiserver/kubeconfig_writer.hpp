#pragma once

#include "runtime/error.hpp"

#include <string>

namespace kelos::apiserver {

/// What goes into a kubeconfig for the embedded API server.
struct kubeconfig_spec {
  /// "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
  std::string server_url;
  /// PEM CA certificate; written as `certificate-authority-data` when non-empty.
  std::string ca_pem;
  /// Bearer token of the user (the server accepts any token).
  std::string token = "kelos-local-token";
  /// Name used for the cluster, user and context entries.
  std::string context_name = "kelos-local";
  /// Default namespace of the context.
  std::string namespace_ = "default";
};

/// Renders a kubeconfig (YAML) with one cluster, one token user and one current context.
std::string render_kubeconfig(const kubeconfig_spec& spec);

/// Writes `render_kubeconfig(spec)` to `path` atomically (temp file + rename) with mode
/// 0600, since it holds a credential. Errors are `io_error`.
kelos::expected<void> write_kubeconfig_file(const std::string& path, const kubeconfig_spec& spec);

} // namespace kelos::apiserver
