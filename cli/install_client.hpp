#pragma once

/// What `kelos install` and `kelos uninstall` send: server-side apply and delete of manifest
/// documents, addressed through discovery (so every kind the manifest names, built-in or
/// not, is found the way kubectl finds it). Not pure (network).

#include "cli/cli_session.hpp"
#include "cli/install_manifest.hpp"

#include <chrono>
#include <map>

namespace kelos::cli {

class manifest_client {
public:
  explicit manifest_client(session& s) : s_(s) {}

  /// The resource a document's apiVersion/kind names (`GET /apis/<group>/<version>`, cached).
  kelos::expected<k8s::resource_info> resource(const manifest_doc& doc);

  /// Server-side apply: PATCH application/apply-patch+yaml, fieldManager kelos, force.
  kelos::expected<void> apply(const manifest_doc& doc);

  /// DELETE; false when it was already gone (or its kind is not served).
  kelos::expected<bool> remove(const manifest_doc& doc);

  /// Waits until every CRD among `docs` reports Established=True, up to `timeout`.
  kelos::expected<void> wait_established(const std::vector<manifest_doc>& docs, std::chrono::milliseconds timeout);

private:
  session& s_;
  std::map<std::string, k8s::json> discovery_;
};

} // namespace kelos::cli
