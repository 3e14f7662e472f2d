#pragma once

/// The manifests `kelos install` applies and `kelos uninstall` removes (deploy/install.yaml,
/// compiled into the binary), and the pure rewrites of them: image tag pinning
/// (`--version`), pull policies (`--image-pull-policy`), the document split and the
/// discovery lookup that turns a document's apiVersion/kind into an API path.

#include "k8s/json.hpp"
#include "k8s/resource_registry.hpp"
#include "runtime/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace kelos::cli {

/// deploy/install.yaml as compiled into the binary.
std::string_view embedded_install_manifest();

/// One YAML document of a manifest, with the fields needed to address it.
struct manifest_doc {
  std::string text; // the document's YAML, without the `---` separator
  std::string api_version;
  std::string kind;
  std::string name;
  std::string ns; // empty for cluster-scoped objects

  bool is_crd() const { return kind == "CustomResourceDefinition"; }
  /// "customresourcedefinition/tasks.kelos.dev", for messages.
  std::string label() const;
};

/// Splits a multi-document manifest on `---` lines. Documents holding only comments or
/// blanks are skipped; a document without apiVersion, kind or metadata.name is an error
/// naming its position.
kelos::expected<std::vector<manifest_doc>> split_manifest(std::string_view text);

/// Joins documents back with `---` lines (the `--dry-run` output).
std::string join_manifest(const std::vector<manifest_doc>& docs);

/// The image tag `kelos install` uses by default: the release version a release build was
/// made with, else `latest`.
std::string default_install_version();

/// Every `:latest` image tag in `text` becomes `:<version>` (nothing for "latest" or "").
std::string pin_image_tags(std::string_view text, std::string_view version);

/// Pull policy rewrite (line-oriented, as the original): every `image:` line gets an
/// `imagePullPolicy: <policy>` line at its indent, and every `- --<name>-image=` argument
/// a `- --<name>-image-pull-policy=<policy>` argument; existing ones are replaced.
std::string with_pull_policy(std::string_view text, std::string_view policy);

/// Always, IfNotPresent or Never; anything else is an error naming the flag.
kelos::expected<void> check_pull_policy(std::string_view policy);

/// The embedded manifest with `version` and `policy` (empty = unchanged) applied to every
/// document but the CRDs, which are never rewritten.
kelos::expected<std::vector<manifest_doc>> install_documents(std::string_view manifest, std::string_view version,
                                                             std::string_view policy);

/// The resource of `kind` in a discovery answer (`GET /api/v1` or `/apis/<group>/<version>`,
/// an APIResourceList). Subresources are ignored. Error `not_found` when the list lacks it.
kelos::expected<k8s::resource_info> resource_from_discovery(const k8s::json& api_resource_list,
                                                            std::string_view api_version, std::string_view kind);

/// The discovery path of an apiVersion: "/api/v1" for "v1", else "/apis/<group>/<version>".
std::string discovery_path(std::string_view api_version);

/// True when a CRD object's status says Established=True.
bool crd_established(const k8s::json& crd);

} // namespace kelos::cli
