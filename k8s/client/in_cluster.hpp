#pragma once

#include <string>

#include "k8s/client/rest_config.hpp"
#include "runtime/error.hpp"

namespace kelos::k8s::client {

/// Where a pod finds its service-account credentials (below the root directory).
inline constexpr const char* service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Options of the in-cluster token source.
struct in_cluster_options {
  /// The token file is re-read when it changes, and at least this often.
  file_token_options token{};
};

/// In-cluster configuration, as client-go's `rest.InClusterConfig`:
/// - server `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT` (an IPv6 host is
///   bracketed); both variables are required;
/// - bearer token from `<root>/var/run/secrets/kubernetes.io/serviceaccount/token`, which
///   must be readable now and is re-read when kubelet rotates it;
/// - CA from `ca.crt` beside it (a missing file leaves `ca_pem` empty, i.e. system roots,
///   as client-go does; a file without PEM data is an error);
/// - namespace from `$POD_NAMESPACE`, else the `namespace` file, else "default".
/// `root_dir` is "" (or "/") in production and a temp dir in tests. Errors: `invalid_config`.
kelos::expected<rest_config> load_in_cluster(const env_lookup& env, const std::string& root_dir,
                                             const in_cluster_options& options = {});

} // namespace kelos::k8s::client
