#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "k8s/apiserver/crd_model.hpp"
#include "k8s/json.hpp"

namespace kelos::apiserver {

/// Pure builders for the discovery documents. Every function takes the full list of
/// served resources (built-ins and CRD versions) and returns the JSON body; the HTTP
/// layer only chooses which one to call.
///
/// Ordering guarantee: groups appear in the order of their first resource in
/// `resources`; versions of a group by Kubernetes version priority (the first one is
/// the `preferredVersion`); resources in input order.

/// `GET /api`: `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[...]}`.
/// `server_address` is "host:port" (e.g. "127.0.0.1:6443"); empty gives an empty list.
k8s::json api_versions(std::string_view server_address = {});

/// `GET /apis`: `APIGroupList` of every non-core group with its versions and
/// `preferredVersion`.
k8s::json api_group_list(const std::vector<served_resource>& resources);

/// `GET /apis/<group>`: `APIGroup`, or nullopt when no resource has that group.
std::optional<k8s::json> api_group(const std::vector<served_resource>& resources,
                                   std::string_view group);

/// `GET /api/v1` (group "") or `GET /apis/<group>/<version>`: `APIResourceList` with one
/// entry per resource (`name`, `singularName`, `namespaced`, `kind`, `verbs`, plus
/// `shortNames`, `categories`, `storageVersionHash` when non-empty) and one per
/// subresource (`<plural>/status` get/patch/update, `<plural>/scale`, `pods/log` get).
/// nullopt when the group-version is not served.
std::optional<k8s::json> api_resource_list(const std::vector<served_resource>& resources,
                                           std::string_view group, std::string_view version);

/// Which discovery document the client asked for.
enum class discovery_format {
  legacy,              // APIVersions / APIGroupList
  aggregated_v2,       // apidiscovery.k8s.io/v2 APIGroupDiscoveryList
  aggregated_v2beta1,  // apidiscovery.k8s.io/v2beta1 APIGroupDiscoveryList
};

/// The outcome of Accept negotiation for `/api` and `/apis`.
struct discovery_choice {
  discovery_format format = discovery_format::legacy;
  /// The exact Content-Type to answer with, e.g.
  /// "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", or
  /// "application/json" for legacy.
  std::string content_type = "application/json";
};

/// Picks the first media range (in header order) that is an aggregated discovery
/// request we serve (v2 or v2beta1 with `as=APIGroupDiscoveryList`,
/// `g=apidiscovery.k8s.io`), else legacy. kubectl ≤1.29 sends only v2beta1.
discovery_choice negotiate_discovery(std::string_view accept);

/// Aggregated discovery: `APIGroupDiscoveryList` for `/api` (`core` true: one item named
/// "" with version v1) or for `/apis` (`core` false: one item per group). Resources
/// carry `resource`, `responseKind{group,version,kind}`, `scope` (Namespaced|Cluster),
/// `singularResource`, `verbs`, `shortNames`, `categories` and `subresources[]`; each
/// version carries `freshness: "Current"`. `format` selects the apiVersion
/// (`apidiscovery.k8s.io/v2` or `/v2beta1`); `legacy` is treated as v2.
k8s::json aggregated_discovery(const std::vector<served_resource>& resources, bool core,
                               discovery_format format);

/// Upstream-style `storageVersionHash`: a short, stable base64 digest of
/// "<group>/<storage version>/<kind>". Changes when the storage version changes.
std::string storage_version_hash(const served_resource& r);

} // namespace kelos::apiserver
